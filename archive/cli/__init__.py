"""The ``newsarchive`` command: crawl, demo, analyst and operations commands."""

from __future__ import annotations


def main() -> None:
    """Entry point of the ``newsarchive`` console script."""
    from archive.cli.main import main as _main

    _main()
