"""`newsarchive report`: one self-contained HTML page on both backends, and as Chromium renders it.

The Chromium test needs NEWSARCHIVE_TEST_CHROMIUM (the browser's path, e.g. /usr/bin/chromium) and
is skipped without it. The browser runs headless with its background services off, every host
name resolving to nothing and a closed loopback port as its proxy; it only opens the report file.
The page must render its charts with no console message (no error, no blocked load). `.ci/run`
installs Debian's chromium when it is missing, so the test runs in CI.
"""

from __future__ import annotations

import os
import struct
import subprocess
import zlib
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from analystdata import DAY1, build
from archive import Archive, Article
from archive.cli.main import cli
from textgen import story

CHROMIUM = os.environ.get("NEWSARCHIVE_TEST_CHROMIUM")
needs_chromium = pytest.mark.skipif(not CHROMIUM, reason="NEWSARCHIVE_TEST_CHROMIUM not set (path of a Chromium "
                                                         "binary, e.g. /usr/bin/chromium): browser test skipped")

HOSTILE_TITLE = "<script>alert(1)</script>"
HOSTILE_SITE = 'Quote "&" <b>Co</b>'


def build_with_hostile_story(db_url: str) -> None:
    """The analyst archive (tests/analystdata.py) and a story whose title and publisher name are
    HTML, copied by River Echo 30 minutes later."""
    build(db_url)
    text, published = "\n".join(story(704)), DAY1 + timedelta(days=3)
    with Archive(db_url) as archive:
        archive.ingest_article(Article(url="http://hostile.test/a", text=text, title=HOSTILE_TITLE,
                                       sitename=HOSTILE_SITE, published=published), fetched_at=published)
        archive.ingest_article(Article(url="http://echo.test/2026/a", text=text, title=HOSTILE_TITLE,
                                       sitename="River Echo", published=None),
                               fetched_at=published + timedelta(minutes=30))


class Page(HTMLParser):
    """A parsed page: every start tag with its attributes, the SVG chart it sits in and the text
    under it, as the browser would read them (entities decoded)."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[dict] = []
        self._open: list[dict] = []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag: str, attrs: list) -> None:
        chart = next((t for t in reversed(self._open) if t["tag"] == "svg"), None)
        node = {"tag": tag, "attrs": dict(attrs), "text": "", "chart": chart}
        self.tags.append(node)
        if tag not in ("meta", "br", "img", "link", "input", "hr", "rect", "line", "circle", "path", "polyline"):
            self._open.append(node)

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self.handle_starttag(tag, attrs)
        if self._open and self._open[-1]["tag"] == tag:
            self._open.pop()

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i]["tag"] == tag:
                del self._open[i:]
                break

    def handle_data(self, data: str) -> None:
        for node in self._open:
            node["text"] += data

    def find(self, tag: str, cls: str | None = None) -> list[dict]:
        return [t for t in self.tags if t["tag"] == tag and (cls is None or cls in t["attrs"].get("class", "").split())]

    def bars(self, chart: str) -> dict[str, int]:
        """The non-empty bars of the histogram ``chart``: label -> count."""
        return {b["attrs"]["data-label"]: int(b["attrs"]["data-count"]) for b in self.find("rect", "bar")
                if b["chart"]["attrs"].get("data-chart") == chart and b["attrs"]["data-count"] != "0"}


@pytest.fixture
def report_of(run_cli, tmp_path):
    """Run the `newsarchive report` command on an archive and parse the page it writes."""
    def make(db_url: str, *args: str) -> tuple[str, Page]:
        result = run_cli("report", "-o", "out.html", "--db", db_url, *args)
        assert result.code == 0, result.err
        assert result.err.startswith("wrote out.html:"), result.err
        markup = (tmp_path / "out.html").read_text(encoding="utf-8")
        return markup, Page(markup)

    return make


def report_in_process(db_url: str, output: Path, *args: str) -> tuple[str, Page]:
    """`newsarchive report` run in this process (quicker than a subprocess for the smaller checks)."""
    result = CliRunner().invoke(cli, ["report", "-o", str(output), "--db", db_url, *args])
    assert result.exit_code == 0, result.output
    markup = output.read_text(encoding="utf-8")
    return markup, Page(markup)


def test_report_shows_the_biggest_stories_their_spread_the_graph_and_histograms(db_url, report_of, tmp_path):
    build_with_hostile_story(db_url)
    markup, page = report_of(db_url)
    rows = page.find("tr", "cluster")
    cells = [[c["text"] for c in _children(page, row) if c["tag"] == "td"] for row in rows]
    assert [(c[1], c[2], c[3]) for c in cells] == [("Storm closes the harbour", "Coast Times", "3"),
                                                   ("Council budget approved", "Valley Post", "2"),
                                                   (HOSTILE_TITLE, HOSTILE_SITE, "2")]
    assert cells[0][5:8] == ["2026-03-02 08:00", "2026-03-02 08:00", "2026-03-03 08:00"]

    timelines = page.find("svg", "timeline")
    assert [t["attrs"]["data-cluster"] for t in timelines] == [r["attrs"]["data-cluster"] for r in rows]
    marks = [[(c["attrs"]["data-site"], c["attrs"]["data-role"]) for c in page.find("circle", "sighting")
              if c["chart"] is t] for t in timelines]
    assert marks == [[("Coast Times", "canonical"), ("Lantern Aid", "mirror"), ("River Echo", "mirror")],
                     [("Valley Post", "canonical"), ("Lantern Aid", "mirror")],
                     [(HOSTILE_SITE, "canonical"), ("River Echo", "mirror")]]
    delays = [d["text"] for d in page.find("text", "delay") if d["chart"] is timelines[0]]
    assert delays == ["original", "seen +2h", "seen +1d"]

    edges = {(e["attrs"]["data-origin"], e["attrs"]["data-republisher"], int(e["attrs"]["data-stories"]))
             for e in page.find("path", "edge")}
    assert edges == {("Coast Times", "Lantern Aid", 1), ("Coast Times", "River Echo", 1),
                     ("Valley Post", "Lantern Aid", 1), (HOSTILE_SITE, "River Echo", 1)}
    assert len(page.find("circle", "node")) == 3 + 2      # three origins, two republishers
    assert page.bars("sizes") == {"1": 1, "2": 2, "3": 1}
    assert page.bars("delays") == {"15m–1h": 1, "1h–3h": 1, "6h–12h": 1, "1d–2d": 1}
    sites = {t["text"] for t in page.find("td")}
    assert {"Coast Times", "Lantern Aid", "River Echo", "Valley Post", "coast.test", "echo.test"} <= sites

    _, first = report_in_process(db_url, tmp_path / "top1.html", "--top", "1")
    assert len(first.find("tr", "cluster")) == 1 and len(first.find("svg", "timeline")) == 1


def _children(page: Page, row: dict) -> list[dict]:
    """The tags that follow ``row`` up to the next table row (its cells)."""
    start = next(i for i, tag in enumerate(page.tags) if tag is row) + 1
    end = next((i for i in range(start, len(page.tags)) if page.tags[i]["tag"] == "tr"), len(page.tags))
    return page.tags[start:end]


def assert_loads_nothing(markup: str, page: Page) -> None:
    """No script, style sheet, font, image or frame to fetch: nothing with a source, no <link>, no
    CSS url() or @import, no refresh; the only URLs are links to the archived articles."""
    assert not page.find("script") and not page.find("link") and not page.find("img")
    sources = {"src", "srcset", "data", "xlink:href", "poster", "background"}
    assert not [t for t in page.tags if sources & set(t["attrs"])
                or t["tag"] in ("iframe", "object", "embed", "audio", "video", "use", "image")]
    assert [t for t in page.tags if "href" in t["attrs"]] == page.find("a")
    assert all(a["attrs"]["href"].startswith("http://") for a in page.find("a"))
    styles = " ".join(s["text"] for s in page.find("style")) + " ".join(t["attrs"].get("style", "") for t in page.tags)
    assert "url(" not in styles and "@import" not in styles
    assert not [m for m in page.find("meta") if m["attrs"].get("http-equiv", "").lower() == "refresh"]
    (policy,) = [m for m in page.find("meta") if m["attrs"].get("http-equiv") == "Content-Security-Policy"]
    assert policy["attrs"]["content"].startswith("default-src 'none';")
    assert "<script" not in markup.lower()


def test_report_is_self_contained_and_shows_page_texts_as_text(db_url, tmp_path):
    build_with_hostile_story(db_url)
    markup, page = report_in_process(db_url, tmp_path / "out.html")
    assert markup.startswith("<!DOCTYPE html>") and markup.rstrip().endswith("</html>")
    assert_loads_nothing(markup, page)
    assert HOSTILE_TITLE not in markup and "&lt;script&gt;alert(1)&lt;/script&gt;" in markup
    assert "<b>Co</b>" not in markup and "Quote &#34;&amp;&#34; &lt;b&gt;Co&lt;/b&gt;" in markup     # markupsafe
    assert not [b for b in page.find("b") if b["text"] == "Co"]
    assert HOSTILE_TITLE in {t["text"] for t in page.find("a")}
    assert HOSTILE_SITE in {n["text"].split(" (")[0] for n in page.find("text", "site")}


def test_empty_archive_gives_a_page_saying_there_is_nothing_yet(db_url, tmp_path):
    Archive(db_url).close()
    markup, page = report_in_process(db_url, tmp_path / "out.html")
    assert markup.startswith("<!DOCTYPE html>") and markup.rstrip().endswith("</html>")
    (empty,) = [t for t in page.find("p", "empty") if t["attrs"].get("id") == "nothing"]
    assert "Nothing in the archive yet" in empty["text"]
    assert not page.find("svg") and not page.find("table")
    assert_loads_nothing(markup, page)


def test_archive_without_copies_says_so_and_still_shows_story_sizes(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'archive.db'}"
    with Archive(db_url) as archive:
        for seed in (801, 802):
            archive.ingest_article(Article(url=f"http://solo.test/{seed}", text="\n".join(story(seed)), title="Solo"))
    _, page = report_in_process(db_url, tmp_path / "r.html")
    empties = " ".join(p["text"] for p in page.find("p", "empty"))
    assert "No story has been republished yet" in empties and "No republished copies" in empties
    assert page.bars("sizes") == {"1": 2} and not page.find("path", "edge") and not page.find("svg", "timeline")


def test_bad_options_are_usage_errors_and_leave_no_file(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'archive.db'}"
    result = CliRunner().invoke(cli, ["report", "--top", "0", "--db", db_url, "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 2 and "--top" in result.output
    result = CliRunner().invoke(cli, ["report", "--db", db_url, "-o", str(tmp_path / "no" / "r.html")])
    assert result.exit_code == 2 and "does not exist" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == []


# -- Chromium ---------------------------------------------------------------------------------------

OFFLINE_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-default-apps",
                 "--no-default-browser-check", "--disable-extensions", "--disable-breakpad", "--no-pings",
                 "--disable-domain-reliability", "--disable-client-side-phishing-detection", "--metrics-recording-only",
                 "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=http://127.0.0.1:9"]


def chromium(tmp_path: Path, *args: str, console: list[str] | None = None) -> str:
    """Run headless Chromium offline with a profile of its own; its stdout. The page's console
    messages (script errors, blocked loads, CSP violations) are added to ``console``."""
    done = subprocess.run([CHROMIUM, *OFFLINE_FLAGS, "--enable-logging=stderr", "--v=0",
                           f"--user-data-dir={tmp_path / 'profile'}", *args],
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr[-2000:]
    if console is not None:
        console.extend(line for line in done.stderr.splitlines() if ":CONSOLE" in line)
    return done.stdout


def png_rows(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and RGB rows of an 8-bit RGB or RGBA PNG (alpha dropped)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", data[pos + 8:pos + 8 + length])
        elif kind == b"IDAT":
            idat.append(data[pos + 8:pos + 8 + length])
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, header
    n = 3 if colour == 2 else 4
    raw, stride, prev, rows = zlib.decompress(b"".join(idat)), width * n, bytearray(width * n), []
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if kind == 1:
            for i in range(n, stride):
                line[i] = (line[i] + line[i - n]) & 255
        elif kind == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif kind == 3:
            for i in range(stride):
                line[i] = (line[i] + (((line[i - n] if i >= n else 0) + prev[i]) >> 1)) & 255
        elif kind == 4:
            for i in range(stride):
                a, b, c = (line[i - n] if i >= n else 0), prev[i], (prev[i - n] if i >= n else 0)
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        prev = line
        rows.append(bytes(line) if n == 3 else bytes(v for i, v in enumerate(line) if i % 4 != 3))
    return width, height, rows


@needs_chromium
def test_chromium_reports_what_a_page_tried_to_load(tmp_path):
    """The console check has teeth: a page whose image the same CSP blocks leaves a console message."""
    page = tmp_path / "blocked.html"
    page.write_text('<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="default-src '
                    "'none'\"></head><body><img src=\"http://127.0.0.9:9/x.png\"></body></html>", encoding="utf-8")
    console: list[str] = []
    chromium(tmp_path, "--dump-dom", page.as_uri(), console=console)
    assert any("Content Security Policy" in line for line in console), console


@needs_chromium
def test_chromium_renders_the_charts_offline(tmp_path, report_of):
    from archive.analysis.report import ROLE_COLOURS

    db_url = f"sqlite:///{tmp_path / 'archive.db'}"
    build_with_hostile_story(db_url)
    _, page = report_of(db_url, "--top", "2")
    url = (tmp_path / "out.html").as_uri()

    console: list[str] = []
    dom = Page(chromium(tmp_path, "--dump-dom", url, console=console))
    assert console == [], console
    assert len(dom.find("svg", "timeline")) == 2 and len(dom.find("svg", "graph")) == 1
    assert len(dom.find("circle", "sighting")) == 3 + 2 and len(dom.find("path", "edge")) == 4
    assert dom.bars("sizes") == page.bars("sizes") and dom.bars("delays") == page.bars("delays")
    assert not dom.find("script") and HOSTILE_SITE in {n["text"].split(" (")[0] for n in dom.find("text", "site")}

    shot = tmp_path / "shot.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,2000", url)
    width, height, rows = png_rows(shot.read_bytes())
    assert (width, height) == (1280, 2000)
    colours = {row[i:i + 3] for row in rows[::8] for i in range(0, len(row), 3)}
    assert len(colours) > 50, "the screenshot is blank"
    pixels = lambda hex_colour: sum(row.count(bytes.fromhex(hex_colour.lstrip("#"))) for row in rows)  # noqa: E731
    assert pixels("#eef0f4") > 10_000, "the table headers' background (inline CSS) is not drawn"
    assert pixels(ROLE_COLOURS["canonical"]) > 100 and pixels(ROLE_COLOURS["mirror"]) > 100, "no timeline marks"
