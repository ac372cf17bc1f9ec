"""The layers of docs/architecture.md hold: import-linter's contracts in pyproject.toml are kept."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_are_kept():
    # In a process of its own: in a test process that imported Scrapy (twisted, zope.interface)
    # already, import-linter's lookup of external packages fails with "__provides__".
    done = subprocess.run([str(Path(sys.executable).with_name("lint-imports")),
                           "--config", str(ROOT / "pyproject.toml")], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " kept, 0 broken." in done.stdout


def test_importing_the_library_loads_no_database_library():
    code = ("import sys, archive; archive.extract('<p>' + 'word ' * 50 + '</p>', 'https://example.org/a'); "
            "print(sorted(m for m in ('sqlalchemy', 'alembic', 'scrapy', 'twisted') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"
