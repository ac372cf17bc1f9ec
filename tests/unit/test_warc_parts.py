"""The WARC commands' pure parts: sizes, Content-Encoding, the progress line, the reprocess report."""

from __future__ import annotations

import gzip
import zlib

import pytest

from archive.storage.reprocess import ReprocessReport, _compare
from crawler.warc import parse_size
from crawler.warcimport import ImportReport, expand_sources
from crawler.warcprogress import ImportProgress
from crawler.warcread import decode_body


def test_sizes():
    assert [parse_size(v) for v in ("1G", "250MB", "100m", 4096, "1000000")] == [10**9, 250 * 10**6, 10**8, 4096, 10**6]
    for bad in ("", "0", "1X", "-5", "ten"):
        with pytest.raises(ValueError, match="not a size"):
            parse_size(bad)


def test_content_encodings_are_undone_within_the_limit():
    page = b"<html>" + b"word " * 1000 + b"</html>"
    assert decode_body(gzip.compress(page), "gzip") == page
    assert decode_body(zlib.compress(page), "deflate") == page
    assert decode_body(zlib.compress(page)[2:-4], "deflate") == page          # raw deflate, as some servers send
    assert decode_body(page, None) == page and decode_body(page, "identity") == page
    with pytest.raises(ValueError, match="oversized"):
        decode_body(gzip.compress(page), "gzip", limit=100)
    with pytest.raises(ValueError, match="Content-Encoding gzip"):
        decode_body(b"not gzip at all", "gzip")
    with pytest.raises(ValueError, match="unknown Content-Encoding"):
        decode_body(page, "compress")


def test_progress_line_gives_the_rate_and_the_time_left():
    report = ImportReport(records=120, files_done=1, bytes_read=30_000_000, bytes_before=10_000_000)
    report.statuses.update(new=40, duplicate=10)
    line = ImportProgress(None, 100_000_000, 3).line(report, 10.0)
    assert line == "records 120 | articles 50 | duplicates 10 | 3.0 MB/s | files 1/3 | left 0:00:20"
    assert "left" not in ImportProgress(None, None, 3).line(report, 10.0)


def test_sources_that_name_no_file_are_a_usage_error(tmp_path):
    (tmp_path / "b.warc.gz").write_bytes(b"x")
    (tmp_path / "a.warc.gz").write_bytes(b"x")
    found = expand_sources([str(tmp_path / "*.warc.gz"), str(tmp_path / "a.warc.gz"), "https://example.org/x.warc"])
    assert found == [str(tmp_path / "a.warc.gz"), str(tmp_path / "b.warc.gz"), "https://example.org/x.warc"]
    with pytest.raises(ValueError, match="no WARC file at"):
        expand_sources([str(tmp_path / "*.warc")])


def test_reprocess_report_names_splits_merges_moves_and_canonicals():
    before = {1: (10, "canonical"), 2: (10, "mirror"), 3: (10, "mirror"), 4: (20, "canonical"), 5: (30, "canonical")}
    after = {1: (10, "mirror"), 2: (10, "canonical"), 3: (40, "canonical"), 4: (20, "canonical"), 5: (20, "mirror")}
    report = ReprocessReport()
    _compare(before, after, report)
    # Story 10 split (3 left it: moved); story 20 took in 5 (a merge: 20 continues 30, so 5 did not
    # move); 10's canonical changed, and so did 30's (its story is now 20, canonical 4).
    assert (report.split, report.merged, report.moved, report.canonicals_changed) == (1, 1, 1, 2)
