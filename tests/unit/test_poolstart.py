"""The extraction pool's fork server warms up on real extraction: both of its pages (one declaring
its metadata, one not) come out as articles with their links read, so the workers forked from it
have run every part of extraction once (a broken warm-up would only be logged)."""

from __future__ import annotations

import json
import subprocess
import sys

_PROBE = """
import json
import crawler.poolstart as start
pages = start.warm_up()
print(json.dumps([{"kind": type(p).__name__, "words": p.prepared.word_count, "date": str(p.article.published),
                   "author": p.article.author, "links": len(p.links.links) if p.links else 0} for p in pages]))
"""


def test_the_warm_up_pages_extract_as_articles_with_links():
    # in a process of its own: importing the module freezes the garbage collector's view of it
    done = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "warm-up failed" not in done.stderr
    declared, plain = json.loads(done.stdout.strip().splitlines()[-1])
    assert declared["kind"] == plain["kind"] == "PreparedPage"
    assert declared["words"] > 200 and plain["words"] > 200
    assert declared["date"].startswith("2026-03-04") and declared["author"] == "Ana Field"
    assert declared["links"] >= 3 and plain["links"] >= 3
