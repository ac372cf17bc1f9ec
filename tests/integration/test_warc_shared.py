"""Import workers sharing the WARC files through Redis (``import-warc --frontier``) into one
PostgreSQL archive: each file is read by one worker, every record once; a killed worker's file is
taken over by another from its last committed record. Needs NEWSARCHIVE_TEST_REDIS and _PG."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from archivecheck import sigkill_tree, snapshot
from conftest import REDIS_URL
from faultweb import wait_for
from warcweb import crawl_fixtures, members

HOSTS = ["127.0.0.131", "127.0.0.132", "127.0.0.133"]
FAST_LEASES = {"NEWSARCHIVE_FRONTIER_HEARTBEAT": "0.5"}     # a dead worker's lease lapses after 2 s

pytestmark = pytest.mark.skipif(not REDIS_URL, reason="NEWSARCHIVE_TEST_REDIS not set: shared import tests skipped")
web, crawled = crawl_fixtures(HOSTS, "warc-shared")


def _split(path: Path, folder: Path, parts: int) -> list[Path]:
    """The crawl's file as ``parts`` WARC files, each opening with the warcinfo record."""
    info, *rest = members(path)
    size = -(-len(rest) // parts)
    size += size % 2            # a response and its request stay together
    files = []
    for n in range(parts):
        part = folder / f"part-{n}.warc.gz"
        part.write_bytes(info.data + b"".join(m.data for m in rest[n * size:(n + 1) * size]))
        files.append(part)
    return files


def _imports(db_url: str) -> list[tuple[str, int, str, str]]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text("SELECT source, records, state, worker FROM warc_import ORDER BY source"))]
    except Exception:  # noqa: BLE001 - the table is not there yet
        return []
    finally:
        engine.dispose()


@pytest.fixture
def shared(crawled, tmp_path):
    import redis

    name = f"test-{uuid.uuid4().hex[:10]}"
    files = _split(crawled.files[0], tmp_path, 4)
    yield name, files, sum(len(members(f)) for f in files)
    client = redis.Redis.from_url(REDIS_URL)
    client.delete(*client.keys(f"{name}:*") or [f"{name}:none"])
    client.close()


def _start(newsarchive, shared, files, db_url, cwd):  # noqa: ANN001, ANN202
    name = shared[0]
    return newsarchive.start("import-warc", *map(str, files), "--workers", "1", "--frontier", REDIS_URL,
                             "--frontier-name", name, "--db", db_url, cwd=cwd, env=FAST_LEASES)


def test_two_workers_read_each_record_once(crawled, shared, newsarchive, pg_url, tmp_path):
    _, files, total = shared
    workers = [_start(newsarchive, shared, files, pg_url, tmp_path) for _ in range(2)]
    results = [newsarchive.finish(w) for w in workers]
    assert [r.code for r in results] == [0, 0], results[0].err[-2000:] + results[1].err[-2000:]
    read = [int(r.err_lines[-1].split(" records read")[0]) for r in results]
    assert sum(read) == total                                   # every record read by one worker, once
    states = _imports(pg_url)
    assert [s[2] for s in states] == ["done"] * 4 and sum(s[1] for s in states) == total
    imported, crawl = snapshot(pg_url), snapshot(crawled.db)
    assert imported["articles"] == crawl["articles"] and imported["clusters"] == crawl["clusters"]
    assert imported["counts"] == crawl["counts"]


def test_a_killed_workers_file_is_finished_by_another(crawled, shared, newsarchive, pg_url, tmp_path):
    _, files, total = shared
    first = _start(newsarchive, shared, files, pg_url, tmp_path)
    try:
        wait_for(lambda: any(0 < s[1] and s[2] == "reading" for s in _imports(pg_url)), first.proc, limit=120)
        sigkill_tree(first.proc.pid)
        first.proc.wait()
    finally:
        newsarchive.stop(first)
    held = [s[0] for s in _imports(pg_url) if s[2] == "reading"]
    assert held
    second = _start(newsarchive, shared, files, pg_url, tmp_path)
    result = newsarchive.finish(second)
    assert result.code == 0, result.err[-2000:]
    states = {s[0]: s for s in _imports(pg_url)}
    assert all(s[2] == "done" for s in states.values()) and len(states) == 4
    assert all(states[source][3].endswith(f":{second.proc.pid}") for source in held)   # taken over
    assert sum(s[1] for s in states.values()) == total          # nothing committed was read again
    imported, crawl = snapshot(pg_url), snapshot(crawled.db)
    assert imported["articles"] == crawl["articles"] and imported["clusters"] == crawl["clusters"]
    assert imported["counts"] == crawl["counts"]
