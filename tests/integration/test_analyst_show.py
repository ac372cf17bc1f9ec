"""`newsarchive show` compares each copy with its canonical on both backends: the paragraphs cut,
the new headline, as JSON and as highlighted lines (coloured only on a terminal)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from analystdata import LIGHTHOUSE, build
from archive.cli.main import cli
from textgen import story


def test_show_gives_each_copys_changes_as_data_and_as_marked_lines(db_url):
    build(db_url)
    runner = CliRunner()
    listed = json.loads(runner.invoke(cli, ["clusters", "--json", "--db", db_url]).stdout)
    storm = next(c["id"] for c in listed if c["canonical_url"] == "http://coast.test/storm")

    result = runner.invoke(cli, ["show", str(storm), "--json", "--db", db_url])
    assert result.exit_code == 0, result.output
    members = {m["url"]: m for m in json.loads(result.stdout)["members"]}
    assert members["http://coast.test/storm"]["changes"] is None
    echo = members["http://echo.test/2026/storm"]["changes"]
    last = " ".join(story(701)[-1].split())
    assert echo["paragraphs"] == [{"kind": "cut", "canonical": last, "copy": None, "words": []}]
    assert echo["summary"] == "new headline; 1 paragraph cut at the end"
    assert echo["headline_words"] == [["+", "The"], ["=", "storm"], ["-", "closes"], ["+", "and"], ["=", "the"],
                                      ["-", "harbour"], ["+", "ferry"]]
    lantern = members["http://lantern.test/news/storm"]["changes"]
    assert lantern["paragraphs"] == [] and lantern["summary"] == "new headline"
    assert LIGHTHOUSE not in json.dumps(lantern)                     # unchanged paragraphs are not repeated

    plain = runner.invoke(cli, ["show", str(storm), "--db", db_url])
    assert plain.exit_code == 0 and "\x1b[" not in plain.stdout      # not a terminal: no colour
    lines = [line.strip() for line in plain.stdout.splitlines()]
    assert f"- {last}" in lines
    assert "~ headline: {+The+} storm [-closes-] {+and+} the [-harbour-] {+ferry+}" in lines
    coloured = runner.invoke(cli, ["show", str(storm), "--db", db_url], color=True)
    assert "\x1b[31m" in coloured.stdout and coloured.stdout != plain.stdout
