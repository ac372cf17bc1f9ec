"""One export code path: `Archive.export_rows()` gives the rows `queries.export_rows` gives
without filters, on both backends, in the same order; and the export streams."""

from __future__ import annotations

import json

from click.testing import CliRunner

from analystdata import build
import archivecheck
from archive import Archive
from archive.cli.main import EXPORT_FIELDS, cli
from archive.analysis.queries import export_rows


def test_archive_export_rows_are_the_unfiltered_query_rows(db_url):
    build(db_url)
    with Archive(db_url, readonly=True) as archive:
        from_archive = list(archivecheck.export_rows(archive))
        with archive.reader() as session:
            from_query = list(export_rows(session))
    assert len(from_archive) == 6 and from_archive == from_query
    assert [r["article_id"] for r in from_archive] == sorted(r["article_id"] for r in from_archive)
    assert set(EXPORT_FIELDS) <= set(from_archive[0])
    exported = [json.loads(line) for line in CliRunner().invoke(cli, ["export", "--db", db_url]).stdout.splitlines()]
    assert exported == [{k: r[k] for k in EXPORT_FIELDS} for r in from_archive]
