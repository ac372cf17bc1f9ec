"""Re-crawl intervals per seed: `URL recrawl=0` in the seeds file makes that host's archived
articles due again at once, while the other host keeps the default interval (1 day)."""

from __future__ import annotations

from faultweb import last_run
from storyweb import Served, build

SETTINGS = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "NEWSARCHIVE_WORKERS=1")


def test_a_seed_line_sets_its_hosts_recrawl_interval(newsarchive, tmp_path):
    with Served(build(["127.0.0.77", "127.0.0.78"], stories=8)) as web:
        eager, lazy = web.sites
        seeds = tmp_path / "seeds.txt"
        seeds.write_text(f"{eager.url}/ recrawl=0   # asked again every run\n{lazy.url}/\n")
        db = tmp_path / "a.db"
        first = newsarchive("crawl", "--seeds-file", str(seeds), "--db", f"sqlite:///{db}", *SETTINGS, cwd=tmp_path)
        assert first.code == 0, first.err[-2000:]
        articles = {site.url: {path for path in site.pages if path.startswith(("/news/", "/world/"))}
                    for site in web.sites}
        assert all(articles.values())
        before = dict(web.hits)

        second = newsarchive("crawl", "--seeds-file", str(seeds), "--db", f"sqlite:///{db}", *SETTINGS, cwd=tmp_path)
        assert second.code == 0, second.err[-2000:]
        again = {url for url, count in web.hits.items() if count > before.get(url, 0)}
        assert {site.url + path for path in articles[eager.url] for site in [eager]} <= again
        assert not {lazy.url + path for path in articles[lazy.url]} & again
        stats = last_run(db)["stats"]
        assert stats["skipped"]["fresh"] == len(articles[lazy.url])
        assert stats["articles_unchanged"] == len(articles[eager.url])

    bad = tmp_path / "bad.txt"
    bad.write_text("http://127.0.0.77:1/ recrawl=soon\n")
    result = newsarchive("crawl", "--seeds-file", str(bad), "--db", f"sqlite:///{tmp_path / 'b.db'}", cwd=tmp_path)
    assert result.code == 2
    assert "bad.txt:1: not a duration: 'soon'" in result.err
