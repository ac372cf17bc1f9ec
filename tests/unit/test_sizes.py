"""A module one reads in a sitting: no module over 400 lines and no function over 50 in archive/
and crawler/ (the Alembic migrations aside)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 50


def _modules() -> list[Path]:
    return [p for package in ("archive", "crawler") for p in sorted((ROOT / package).rglob("*.py"))
            if "migrations" not in p.relative_to(ROOT).parts]


def test_no_module_over_400_lines():
    modules = _modules()
    assert len(modules) > 50
    too_long = {str(p.relative_to(ROOT)): n for p in modules if (n := len(p.read_text(encoding="utf-8").splitlines()))
                > MAX_MODULE_LINES}
    assert too_long == {}


def test_no_function_over_50_lines():
    too_long = {}
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                if node.end_lineno - start + 1 > MAX_FUNCTION_LINES:
                    too_long[f"{path.relative_to(ROOT)}:{node.name}"] = node.end_lineno - start + 1
    assert too_long == {}
