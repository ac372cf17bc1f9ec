"""The frontier's fast writes (one upsert per fetched page, links already committed left out)
leave the same rows as writing every row one by one."""

from __future__ import annotations

from sqlalchemy import select

from archive.storage import frontier

from archive import Archive
from archive.storage.frontier import DONE, FAILED, GONE, MAX_ATTEMPTS, PENDING, RETRY_AFTER, Link, PageMark
from archive.storage.models import Frontier, utcnow
from archive.extraction.urls import host_of, url_key

COLUMNS = ("url_key", "url", "host", "state", "found_via", "depth", "attempts", "last_status", "discovered_run")


def _marks() -> list[PageMark]:
    """A crawl's worth of frontier records: pages sharing menu links, a redirect, retries until
    given up, a page gone, a failure that later succeeds, a link found again at another depth."""
    menu = tuple(Link(f"http://a.test/section/{n}") for n in range(5))
    marks = [PageMark("http://a.test/", status="home", links=menu + (Link("http://a.test/news/1"),), found_via="seed",
                      run_id=1)]
    for n in range(1, 6):
        marks.append(PageMark(f"http://a.test/news/{n}", status="article", depth=1, found_via="link", run_id=1,
                              links=menu + (Link(f"http://a.test/news/{n + 1}"), Link("http://a.test/feed", "feed"))))
    marks += [
        PageMark("http://a.test/section/0", status="not_article", depth=1, links=(Link("http://a.test/news/9"),),
                 aliases=("http://a.test/section/zero",), run_id=1),
        PageMark("http://a.test/news/9", outcome="gone", status="http_404", depth=2, run_id=1),
        PageMark("http://a.test/section/1", outcome="retry", status="timeout", depth=1, run_id=1),
        PageMark("http://a.test/section/1", outcome="retry", status="timeout", depth=1, run_id=2),
        PageMark("http://a.test/section/1", outcome="done", status="not_article", depth=1, run_id=2),
        PageMark("http://a.test/section/2", outcome="retry", status="http_503", depth=1, run_id=2),
    ]
    marks += [PageMark("http://a.test/section/3", outcome="retry", status="http_500", depth=1, run_id=3)] * MAX_ATTEMPTS
    marks.append(PageMark("http://b.test/", status="home", found_via="seed", links=(Link("http://a.test/news/2"),)))
    return marks


def _reference(session, mark: PageMark, now) -> None:  # noqa: ANN001
    """The frontier rules written row by row with the ORM: the slow, obvious version."""
    for link in mark.links:
        if session.get(Frontier, url_key(link.url)) is None:
            session.add(Frontier(url_key=url_key(link.url), url=link.url, host=host_of(link.url), state=PENDING,
                                 found_via=link.found_via, depth=mark.depth + 1, attempts=0,
                                 discovered_run=mark.run_id, discovered_at=now, updated_at=now))
            session.flush()
    for url in dict.fromkeys((mark.url, *mark.aliases)):
        row = session.get(Frontier, url_key(url))
        if row is None:
            row = Frontier(url_key=url_key(url), url=url, host=host_of(url), state=PENDING, found_via=mark.found_via,
                           depth=mark.depth, attempts=0, discovered_run=mark.run_id, discovered_at=now)
            session.add(row)
        row.last_status, row.updated_at = mark.status, now
        if mark.outcome == "retry":
            row.attempts = (row.attempts or 0) + 1
            row.state = FAILED if row.attempts >= MAX_ATTEMPTS else PENDING
            row.next_attempt_at = None if row.state == FAILED else now + RETRY_AFTER * 2 ** (row.attempts - 1)
        else:
            row.state, row.next_attempt_at = mark.outcome, None
            if mark.outcome == DONE:
                row.attempts = 0
        session.flush()


def _rows(archive: Archive) -> dict[str, tuple]:
    with archive.reader() as session:
        return {row.url_key: tuple(getattr(row, c) for c in COLUMNS) + (row.next_attempt_at is None,)
                for row in session.scalars(select(Frontier))}


def test_fast_frontier_writes_equal_row_by_row_writes(db_url, tmp_path):
    fast = Archive(db_url)
    for mark in _marks():
        fast.record_page(mark)
    assert len(fast._frontier_known) > 0          # noqa: SLF001 - later pages skipped the menu links

    reference = Archive(f"sqlite:///{tmp_path}/reference.db")
    now = utcnow()
    for mark in _marks():
        with reference._sessions.begin() as session: 
            _reference(session, mark, now)

    got, want = _rows(fast), _rows(reference)
    assert got == want
    assert got[url_key("http://a.test/section/3")][3] == FAILED
    assert got[url_key("http://a.test/section/1")][3:7] == (DONE, "link", 1, 0)
    assert got[url_key("http://a.test/news/9")][3] == GONE
    assert got[url_key("http://a.test/section/zero")][3] == DONE
    fast.close()
    reference.close()


def test_a_known_link_is_not_written_again_but_its_row_stays(db_url):
    archive = Archive(db_url)
    archive.record_page(PageMark("http://a.test/", links=(Link("http://a.test/news/1"),)))
    assert url_key("http://a.test/news/1") in archive._frontier_known 
    with archive._sessions.begin() as session:                        
        keys = frontier.record(session, PageMark("http://a.test/x", links=(Link("http://a.test/news/1"),)),
                               known=archive._frontier_known)          
        written = session.scalars(select(Frontier.url_key)).all()
    assert url_key("http://a.test/news/1") not in keys and url_key("http://a.test/x") in keys
    assert url_key("http://a.test/news/1") in written
    archive.close()


def test_a_rolled_back_page_leaves_its_links_unknown(tmp_path):
    """Keys are remembered only once their transaction committed: a rolled-back page's links are
    written again by the next page that holds them."""
    archive = Archive(f"sqlite:///{tmp_path}/a.db")
    try:
        with archive._sessions.begin() as session:                     
            frontier.record(session, PageMark("http://a.test/", links=(Link("http://a.test/news/1"),)),
                            known=archive._frontier_known)              
            raise RuntimeError("rolled back")
    except RuntimeError:
        pass
    assert len(archive._frontier_known) == 0                           
    archive.record_page(PageMark("http://a.test/other", links=(Link("http://a.test/news/1"),)))
    assert url_key("http://a.test/news/1") in _rows(archive)
    archive.close()

