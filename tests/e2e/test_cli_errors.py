"""Bad input on the command line is a one-line error with exit 2 (usage) or 1 (operational), never
a traceback: huge numbers, settings of the wrong kind, an export into a missing folder, seeds files
that are not seeds files."""

from __future__ import annotations

import pytest

from faultweb import FaultWeb, article_html


@pytest.fixture(scope="module")
def site():
    web = FaultWeb()
    site = web.site("127.0.0.2")
    site.page("/", article_html("Harbour dredging starts", 1))
    yield site
    web.close()


def _one_line_error(result, code: int) -> str:
    assert result.code == code, result.err[-2000:]
    assert "Traceback" not in result.err
    errors = [line for line in result.err_lines if line.startswith("Error:")]
    assert len(errors) == 1, result.err[-2000:]
    return errors[0]


HUGE = "99999999999999999999"


@pytest.mark.parametrize("args", [("show", HUGE), ("runs", "--limit", HUGE), ("clusters", "--min-size", HUGE),
                                  ("search", "harbour", "--limit", HUGE), ("export", "--min-size", HUGE)])
def test_a_huge_number_is_a_usage_error(run_cli, tmp_path, args):
    db = f"sqlite:///{tmp_path / 'a.db'}"
    error = _one_line_error(run_cli(*args, "--db", db), 2)
    assert "range" in error


@pytest.mark.parametrize("setting, named", [("NEWSARCHIVE_DB_WAIT=bogus", "NEWSARCHIVE_DB_WAIT"),
                                            ("DOWNLOAD_TIMEOUT=abc", "DOWNLOAD_TIMEOUT"),
                                            ("NEWSARCHIVE_WORKERS=-3", "NEWSARCHIVE_WORKERS"),
                                            ("NEWSARCHIVE_WORKERS=99999999", "NEWSARCHIVE_WORKERS"),
                                            ("NEWSARCHIVE_RECRAWL_AFTER=soon", "NEWSARCHIVE_RECRAWL_AFTER"),
                                            ("CONCURRENT_REQUESTS=0", "CONCURRENT_REQUESTS"),
                                            ("ROBOTSTXT_OBEY=perhaps", "ROBOTSTXT_OBEY")])
def test_a_bad_setting_is_refused_before_the_crawl(run_cli, tmp_path, site, setting, named):
    result = run_cli("crawl", f"{site.url}/", "--db", f"sqlite:///{tmp_path / 'a.db'}", "-s", setting,
                     "-s", "DOWNLOAD_DELAY=0")
    assert named in _one_line_error(result, 2)
    assert site.fetched("/") == []            # refused before anything was fetched


@pytest.mark.parametrize("value", ["0", "-2", "1025", HUGE, "many"])
def test_crawl_workers_out_of_range_is_refused_before_the_crawl(run_cli, tmp_path, site, value):
    result = run_cli("crawl", f"{site.url}/", "--workers", value, "--db", f"sqlite:///{tmp_path / 'a.db'}")
    assert "--workers" in _one_line_error(result, 2)
    assert site.fetched("/") == []


def test_export_into_a_missing_folder(run_cli, tmp_path):
    from analystdata import build

    db = f"sqlite:///{tmp_path / 'a.db'}"
    build(db)
    error = _one_line_error(run_cli("export", "-o", str(tmp_path / "missing" / "x.jsonl"), "--db", db), 1)
    assert "missing" in error


def test_seeds_file_of_endless_zeros_is_refused(run_cli, tmp_path):
    result = run_cli("crawl", "--seeds-file", "/dev/zero", "--db", f"sqlite:///{tmp_path / 'a.db'}")
    assert "longer than" in _one_line_error(result, 2)


def test_seeds_file_too_large_is_refused(run_cli, tmp_path):
    seeds = tmp_path / "seeds.txt"
    with seeds.open("w") as f:
        for n in range(400_000):                      # 17 MB of valid lines
            f.write(f"http://127.0.0.2/some/long/path/to/a/page/{n:08d}\n")
    result = run_cli("crawl", "--seeds-file", str(seeds), "--db", f"sqlite:///{tmp_path / 'a.db'}")
    assert "larger than" in _one_line_error(result, 2)
