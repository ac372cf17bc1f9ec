"""End to end: the `newsarchive` command line, run as a subprocess against crawls of the demo web."""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from archive.cli.main import EXPORT_FIELDS, cli
from archive.demo.model import Role

ROOT = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("NEWSARCHIVE_TEST_PG")
CONTRACT_FIELDS = {"url", "cluster_id", "is_canonical", "title", "text", "site", "published", "similarity",
                   "origin"}     # what outside tools (the shared scorer) read: DESIGN.md
TWO_SITES = ("meridian", "civicnotebook")     # the `scrapy crawl` run's scope


# -- the ground truth --------------------------------------------------------------------------

def story_of(truth) -> dict[str, str]:
    """Article URL -> story id."""
    return {a.url: a.story for a in truth.articles}


def republished(truth, sites: tuple[str, ...] | None = None) -> dict[str, set[str]]:
    """Story id -> URLs of its original and full copies, for stories copied at least once (within ``sites``)."""
    out: dict[str, set[str]] = {}
    for a in truth.articles:
        if a.role in (Role.ORIGINAL, Role.MIRROR) and (sites is None or a.site in sites):
            out.setdefault(a.story, set()).add(a.url)
    return {story: urls for story, urls in out.items() if len(urls) > 1}


def same_publisher(credited: str | None, publisher: str) -> bool:
    """"The Lowmoor Ledger" credits "Lowmoor Ledger"."""
    def name(value: str) -> str:
        return value.casefold().removeprefix("the ").strip()

    return credited is not None and name(credited) == name(publisher)


def check_partition(members: dict[int, set[str]], truth, sites: tuple[str, ...] | None = None) -> dict[str, int]:
    """Assert the archive's clusters against the truth; return story id -> cluster id of each copied story.

    Every copied story's original and copies share one cluster; no cluster holds two stories
    (an aggregator's excerpt may sit in its story's cluster or alone).
    """
    stories = story_of(truth)
    for cluster_id, urls in members.items():
        assert len({stories[u] for u in urls}) == 1, f"cluster {cluster_id} mixes stories: {sorted(urls)}"
    cluster_of = {url: cid for cid, urls in members.items() for url in urls}
    found = {}
    for story, urls in republished(truth, sites).items():
        ids = {cluster_of.get(url) for url in urls}
        assert len(ids) == 1 and None not in ids, f"story {story} split or missing: {ids}"
        found[story] = ids.pop()
    return found


def members_of(rows: list[dict]) -> dict[int, set[str]]:
    """Cluster id -> member URLs, from export rows."""
    out: dict[int, set[str]] = {}
    for row in rows:
        out.setdefault(int(row["cluster_id"]), set()).add(row["url"])
    return out


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


# -- the crawls: one per backend, plus one through `scrapy crawl`, all started at once ---------

@dataclass
class Crawl:
    """A crawl started in the background; ``result()`` waits for it once and checks it succeeded."""

    db: str
    running: Any
    newsarchive: Any
    done: Any = None

    def result(self) -> Any:
        if self.done is None:
            self.done = self.newsarchive.finish(self.running)
            assert self.done.code == 0, self.done.err[-3000:]
        return self.done

    def stop(self) -> None:
        self.newsarchive.stop(self.running)


def run_all(newsarchive, runs: dict[str, tuple]) -> dict[str, Any]:
    """Run every ``name: (args, cwd[, env])`` at once (each run is mostly start-up time); wait for all."""
    started = {name: newsarchive.start(*run[0], cwd=run[1], env=run[2] if len(run) > 2 else None)
               for name, run in runs.items()}
    return {name: newsarchive.finish(running) for name, running in started.items()}


@pytest.fixture(scope="module")
def crawls(request, demo_web, newsarchive, tmp_path_factory):
    """Crawl the whole demo web into SQLite (and PostgreSQL when configured), and two of its sites
    with `scrapy crawl news`, in parallel subprocesses."""
    work = tmp_path_factory.mktemp("crawls")
    dbs = {"sqlite": f"sqlite:///{work / 'archive.db'}"}
    if PG_URL:
        dbs["postgresql"] = request.getfixturevalue("pg_session_url")
    # One extraction worker each: three crawls share the machine (test_demo.py runs the default pool).
    options = (*newsarchive.loopback, "-s", "NEWSARCHIVE_WORKERS=1")
    started = {name: Crawl(db, newsarchive.start("crawl", *demo_web.seeds, *options, "--db", db, cwd=work), newsarchive)
               for name, db in dbs.items()}
    scrapy_db = f"sqlite:///{work / 'scrapy.db'}"
    seeds = ",".join(site.index for site in demo_web.truth.sites if site.id in TWO_SITES)
    command = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"seeds={seeds}",
               "-s", f"NEWSARCHIVE_DB={scrapy_db}", *options]
    started["scrapy"] = Crawl(scrapy_db, newsarchive.start_command(command, cwd=ROOT), newsarchive)
    yield started
    for crawl in started.values():
        crawl.stop()


@pytest.fixture(scope="module")
def archive(crawls):
    """The SQLite archive of the whole demo web, once its crawl has finished."""
    crawls["sqlite"].result()
    return crawls["sqlite"].db


@pytest.fixture(scope="module")
def views(archive, newsarchive, tmp_path_factory):
    """The read commands run on the SQLite crawl, all at once; name -> CliResult."""
    work = tmp_path_factory.mktemp("views")
    folders = {name: work / name for name in ("export", "env", "option", "default")}
    for folder in folders.values():
        folder.mkdir()
    db = ("--db", archive)
    return run_all(newsarchive, {
        "runs_json": (["runs", "--json", *db], work),
        "runs": (["runs", *db], work),
        "clusters_json": (["clusters", "--json", *db], work),
        "clusters": (["clusters", *db], work),
        "clusters_all": (["clusters", "--min-size", "1", "--limit", "100", "--json", *db], work),
        "export_jsonl": (["export", "--format", "jsonl", "-o", "archive.jsonl", *db], folders["export"]),
        "export_csv": (["export", "--format", "csv", *db], work),
        # the database URL rule: --db, else NEWSARCHIVE_DB, else newsarchive.db in the working directory
        "from_env": (["runs", "--json"], folders["env"], {"NEWSARCHIVE_DB": archive}),
        "from_option": (["runs", "--json", "--db", "sqlite:///other.db"], folders["option"],
                        {"NEWSARCHIVE_DB": archive}),
        "default": (["runs", "--json"], folders["default"]),
    }) | {"folders": folders}


@pytest.fixture(scope="module")
def exported(views):
    """`export --format jsonl -o FILE` of the SQLite crawl, parsed."""
    result = views["export_jsonl"]
    assert result.code == 0 and result.out == "", result.err
    return jsonl((views["folders"]["export"] / "archive.jsonl").read_text(encoding="utf-8"))


# -- errors and exit codes ---------------------------------------------------------------------

def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


REFUSED_PG = "postgresql+psycopg://u:s3cr3t@127.0.0.1:1/db"
FAILURES = {  # name: (args, environment, exit code, the last line of stderr, or its start when it ends in "…")
    "show_missing": (["show", "999", "--db", "sqlite:///a.db"], {}, 1, "Error: no archive at sqlite:///a.db: …"),
    "show_not_a_number": (["show", "abc"], {}, 2,
                          "Error: Invalid value for 'CLUSTER_ID': 'abc' is not a valid integer."),
    "min_size_zero": (["clusters", "--min-size", "0"], {}, 2,
                      "Error: Invalid value for '--min-size': 0 is not in the range 1<=x<=2147483647."),
    "sqlite_folder_missing": (["clusters", "--db", "sqlite:////nonexistent/x.db"], {}, 1,
                              "Error: cannot open sqlite:////nonexistent/x.db: folder /nonexistent does not exist "
                              "(see --db / NEWSARCHIVE_DB)"),
    "postgresql_refused": (["clusters", "--db", REFUSED_PG], {}, 1,
                           "Error: cannot open postgresql+psycopg://u:***@127.0.0.1:1/db: …"),
    "postgresql_refused_from_env": (["export"], {"NEWSARCHIVE_DB": REFUSED_PG}, 1,
                                    "Error: cannot open postgresql+psycopg://u:***@127.0.0.1:1/db: …"),
    "seed_port_closed": (["crawl", "http://127.0.0.1:{port}/", "-s", "DOWNLOAD_DELAY=0", "--db", "sqlite:///a.db"], {}, 1,
                         "Error: no seed could be fetched (1 tried; see the warnings above)"),
    "seed_file_url": (["crawl", "file:///etc/passwd"], {}, 2,
                      "Error: Invalid value for URL: seed is not an http(s) URL: 'file:///etc/passwd'"),
    "seed_ftp_url": (["crawl", "ftp://x"], {}, 2, "Error: Invalid value for URL: seed is not an http(s) URL: 'ftp://x'"),
    "no_seeds": (["crawl"], {}, 2, "Error: give at least one seed URL or --seeds-file"),
}


@pytest.fixture(scope="module")
def failures(crawls, newsarchive, tmp_path_factory):
    """Every failing run of FAILURES started at once, each in a folder of its own (while the crawls run)."""
    port = _closed_port()
    started = {}
    for name, (args, env, _, _) in FAILURES.items():
        cwd = tmp_path_factory.mktemp(name)
        started[name] = (cwd, newsarchive.start(*(a.format(port=port) for a in args), cwd=cwd, env=env))
    yield {name: (cwd, lambda running=running: newsarchive.finish(running)) for name, (cwd, running) in started.items()}
    for _, running in started.values():
        newsarchive.stop(running)


@pytest.mark.parametrize("name", FAILURES)
def test_failure_gives_its_exit_code_and_one_error_line(failures, name):
    _, _, code, message = FAILURES[name]
    cwd, finish = failures[name]
    result = finish()
    assert result.code == code, result.err[-3000:]
    assert result.out == "" and "Traceback" not in result.err and "s3cr3t" not in result.err
    errors = [line for line in result.err_lines if line.startswith("Error:")]
    assert errors == [result.err_lines[-1]], result.err[-3000:]          # one line, the last
    if message.endswith("…"):
        assert errors[0].startswith(message[:-1]) and len(errors[0]) > len(message)
    else:
        assert errors[0] == message
    if code == 1 and name.startswith(("show", "sqlite", "postgresql")):
        assert result.err_lines == errors                                   # nothing else on stderr
    if code == 2:
        assert not list(cwd.glob("*.db"))                                   # usage errors open nothing



# -- crawl, runs -----------------------------------------------------------------------------

def test_crawl_archives_every_article_and_records_the_run(crawls, views, demo_web):
    crawl = crawls["sqlite"].result()
    assert crawl.out == ""                                  # data on stdout only; this run has none
    n_articles = len(demo_web.truth.articles)
    result = views["runs_json"]
    assert result.code == 0, result.err
    (run,) = result.json()
    assert run["status"] == "ok" and run["reason"] is None and run["finished_at"]
    assert run["seeds"] == list(demo_web.seeds)
    stats = run["stats"]
    assert stats["articles_new"] + stats["duplicates"] == n_articles and stats["duplicates"] > 0
    assert stats["pages"] > n_articles and stats["seeds_ok"] > 0 and stats["finish_reason"] == "finished"
    assert crawl.err_lines[-1].startswith(                  # the summary closes the crawl's log
        f"{stats['pages']} pages fetched, {stats['articles_new']} new articles, {stats['duplicates']} duplicates, ")

    table = views["runs"]
    assert table.code == 0
    header, row = table.out.splitlines()
    assert header.split() == ["ID", "STARTED", "STATUS", "PAGES", "NEW", "DUPS", "SEEDS"]
    assert row.split()[2:] == ["ok", str(stats["pages"]), str(stats["articles_new"]), str(stats["duplicates"]),
                               str(len(demo_web.seeds))]


# -- clusters ----------------------------------------------------------------------------------

def test_clusters_json_groups_each_republished_story_with_its_original(views, exported, demo_web):
    truth = demo_web.truth
    assert {r["url"] for r in exported} == {a.url for a in truth.articles}     # every article, nothing else
    members = members_of(exported)
    found = check_partition(members, truth)

    result = views["clusters_json"]
    assert result.code == 0, result.err
    rows = result.json()
    assert isinstance(rows, list)
    assert sorted(r["id"] for r in rows) == sorted(cid for cid, urls in members.items() if len(urls) > 1)
    assert set(found.values()) <= {r["id"] for r in rows}
    stories = {s.id: s for s in truth.stories}
    for story_id, cluster_id in found.items():
        (row,) = [r for r in rows if r["id"] == cluster_id]
        assert row["canonical_url"] == stories[story_id].original_url
        assert same_publisher(row["origin"], stories[story_id].publisher), row
        assert row["size"] == len(members[cluster_id])
    assert [r["size"] for r in rows] == sorted((r["size"] for r in rows), reverse=True)   # largest first
    assert sorted(r["id"] for r in views["clusters_all"].json()) == sorted(members)      # --min-size 1: all


def test_clusters_table_lists_the_same_clusters(views):
    listed = views["clusters_json"].json()
    table = views["clusters"]
    assert table.code == 0 and table.err == ""
    header, *lines = table.out.splitlines()
    assert header.split() == ["ID", "SIZE", "ORIGIN", "TITLE"]
    assert [line.split()[:2] for line in lines] == [[str(r["id"]), str(r["size"])] for r in listed]
    for line, row in zip(lines, listed):
        assert row["title"][:40] in line and (row["origin"] or row["site"])[:20] in line


def test_show_credits_the_origin_and_lists_the_mirrors(archive, exported, demo_web, newsarchive, tmp_path):
    truth = demo_web.truth
    members = members_of(exported)
    found = check_partition(members, truth)
    story = max(found, key=lambda s: (len(republished(truth)[s]), s))      # a story with two copies
    cluster_id, original = found[story], next(s.original_url for s in truth.stories if s.id == story)
    publisher = next(s.publisher for s in truth.stories if s.id == story)
    shown = run_all(newsarchive, {"json": (["show", str(cluster_id), "--json", "--db", archive], tmp_path),
                                  "table": (["show", str(cluster_id), "--db", archive], tmp_path)})

    detail = shown["json"].json()
    assert detail["id"] == detail["requested_id"] == cluster_id
    assert detail["canonical"]["url"] == original and detail["members"][0]["url"] == original
    assert same_publisher(detail["origin"], publisher)
    assert {m["url"] for m in detail["members"]} == members[cluster_id] and detail["size"] == len(members[cluster_id])
    mirrors = [m for m in detail["members"] if m["role"] == "mirror"]
    assert {m["url"] for m in mirrors} == republished(truth)[story] - {original} and len(mirrors) >= 2
    assert all(0.5 <= m["similarity"] <= 1.0 for m in mirrors)

    table = shown["table"]
    assert table.code == 0 and table.err == ""
    lines = table.out.splitlines()
    assert lines[0].startswith(f"Cluster {cluster_id}: {len(members[cluster_id])} article(s)")
    assert detail["origin"] in "\n".join(lines[:2])                        # the credited origin heads it
    roles = {lines[i + 2].strip(): line.split()[0] for i, line in enumerate(lines)
             if line.startswith("  ") and line.split()[0] in ("canonical", "mirror", "excerpt")}
    assert roles == {m["url"]: m["role"] for m in detail["members"]}


# -- export ------------------------------------------------------------------------------------

def test_export_jsonl_rows_follow_the_contract(exported):
    clusters = members_of(exported)
    for row in exported:
        assert CONTRACT_FIELDS <= row.keys(), row.keys()
        assert row["url"].startswith("http://127.0.0.") and row["title"] and len(row["text"].split()) >= 50
        assert isinstance(row["is_canonical"], bool) and row["role"] in ("canonical", "mirror", "excerpt")
        assert row["is_canonical"] == (row["role"] == "canonical")
        if not row["is_canonical"]:
            assert 0.0 <= row["similarity"] <= 1.0
    canonicals = {cid: [r for r in exported if r["cluster_id"] == cid and r["is_canonical"]] for cid in clusters}
    assert all(len(rows) == 1 for rows in canonicals.values()), canonicals
    origins = {cid: {r["origin"] for r in exported if r["cluster_id"] == cid} for cid in clusters}
    assert all(len(names) == 1 for names in origins.values())            # the cluster's origin on every row


def test_export_csv_gives_the_same_rows(views, exported):
    result = views["export_csv"]
    assert result.code == 0, result.err
    reader = csv.DictReader(io.StringIO(result.out, newline=""))
    assert reader.fieldnames == EXPORT_FIELDS and CONTRACT_FIELDS <= set(reader.fieldnames)
    rows = list(reader)
    as_csv = {r["url"]: (int(r["cluster_id"]), r["is_canonical"] == "True", r["title"], r["text"]) for r in rows}
    assert as_csv == {r["url"]: (r["cluster_id"], r["is_canonical"], r["title"], r["text"]) for r in exported}
    assert len(rows) == len(exported)


# -- the database URL rule: --db, else NEWSARCHIVE_DB, else newsarchive.db in the working directory --

def test_db_option_wins_over_the_environment_which_wins_over_the_default(views):
    from_env, from_option, default = views["from_env"], views["from_option"], views["default"]
    assert from_env.code == 0, from_env.err
    folders = views["folders"]
    assert len(from_env.json()) == 1 and not list(folders["env"].glob("*.db"))     # the crawl's archive
    # a reader never creates an archive: the one it was pointed at does not exist
    assert from_option.code == 1 and "no archive at sqlite:///other.db" in from_option.err
    assert default.code == 1 and "no archive at sqlite:///newsarchive.db" in default.err
    assert not list(folders["option"].glob("*.db")) and not list(folders["default"].glob("*.db"))


# -- PostgreSQL --------------------------------------------------------------------------------

@pytest.mark.skipif(not PG_URL, reason="NEWSARCHIVE_TEST_PG not set: PostgreSQL tests skipped")
def test_postgresql_crawl_finds_the_same_clusters(crawls, exported, demo_web, newsarchive, tmp_path):
    crawls["postgresql"].result()
    db = ("--db", crawls["postgresql"].db)
    results = run_all(newsarchive, {"export": (["export", *db], tmp_path), "runs": (["runs", "--json", *db], tmp_path)})
    assert results["export"].code == 0, results["export"].err
    rows = jsonl(results["export"].out)
    check_partition(members_of(rows), demo_web.truth)
    as_sets = lambda rows: {frozenset(urls) for urls in members_of(rows).values()}  # noqa: E731
    assert as_sets(rows) == as_sets(exported)
    canonical = lambda rows: {r["url"] for r in rows if r["is_canonical"]}  # noqa: E731
    assert canonical(rows) == canonical(exported)
    (run,) = results["runs"].json()
    assert run["status"] == "ok"


# -- scrapy crawl news -------------------------------------------------------------------------

def test_scrapy_crawl_news_archives_into_the_same_kind_of_archive(crawls, demo_web, newsarchive, tmp_path):
    crawl = crawls["scrapy"].result()
    assert "Spider closed (finished)" in crawl.err
    db = ("--db", crawls["scrapy"].db)
    results = run_all(newsarchive, {"export": (["export", *db], tmp_path),
                                    "clusters": (["clusters", "--json", *db], tmp_path)})
    rows = jsonl(results["export"].out)
    truth = demo_web.truth
    assert {r["url"] for r in rows} == {a.url for a in truth.articles if a.site in TWO_SITES}
    found = check_partition(members_of(rows), truth, TWO_SITES)
    assert len(found) >= 2
    originals = {s.id: s.original_url for s in truth.stories}
    assert {r["canonical_url"] for r in results["clusters"].json()} == {originals[s] for s in found}


# -- help ----------------------------------------------------------------------------------------

def help_text(*args: str) -> str:
    """`newsarchive ARGS --help` in an 80-column terminal, run in this process (as docs/cli.md shows it)."""
    # click wraps help at the terminal's width less 2; CliRunner would force 80 columns of text
    result = CliRunner().invoke(cli, [*args, "--help"], prog_name="newsarchive", terminal_width=78)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help_with_examples(command):
    text = help_text(command)
    assert text.startswith(f"Usage: newsarchive {command} [OPTIONS]")
    examples = text.split("Examples:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert examples and all(line.strip().startswith(f"newsarchive {command}") for line in examples), examples
    if any(param.name == "db_url" for param in cli.commands[command].params):
        assert "--db URL" in text and "[env var: NEWSARCHIVE_DB; default: sqlite:///newsarchive.db]" in " ".join(text.split())


def test_console_script_help_lists_every_command(run_cli):
    result = run_cli("--help", env={"COLUMNS": "80"})
    assert result.code == 0 and result.err == ""
    assert "Examples:" in result.out
    listed = result.out.split("Commands:\n", 1)[1].split()
    assert set(cli.commands) <= set(listed)
    assert result.out == help_text()           # the installed script is this CLI
