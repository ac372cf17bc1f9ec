"""The examples in the docstrings of ``archive`` and ``crawler`` run as they read."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import archive
import crawler


def _modules() -> list[str]:
    names = []
    for package in (archive, crawler):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if ".migrations" not in info.name and not info.name.endswith("__main__"):   # Alembic runs those; __main__ runs the CLI
                names.append(info.name)
    return sorted(names)


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples(name):
    failures, _ = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert failures == 0
