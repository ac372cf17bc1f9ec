"""The exception tree drawn in archive/errors.py is the true one: every ArchiveError the project
raises is defined there and drawn under its parent."""

from __future__ import annotations

import importlib
import pkgutil
import re

import archive
import crawler
from archive import errors


def _all_subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _all_subclasses(sub)
    return found


def test_every_archive_error_is_defined_and_drawn_in_errors_py():
    for package in (archive, crawler):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if ".migrations" not in module.name and not module.name.endswith("__main__"):
                importlib.import_module(module.name)
    drawn = set(re.findall(r"[├└]── (\w+)", errors.__doc__))
    subclasses = _all_subclasses(errors.ArchiveError)
    assert {cls.__module__ for cls in subclasses} == {"archive.errors"}
    assert {cls.__name__ for cls in subclasses} == drawn
    for cls in subclasses:      # drawn one level under ArchiveError, as they are
        assert cls.__bases__ == (errors.ArchiveError,)
