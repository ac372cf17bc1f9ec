"""The docs stay in step with the code: docs/cli.md shows every command's --help, README's commands are CI's.

After changing a command's help, rewrite the help blocks of docs/cli.md with
``.venv/bin/python tests/unit/test_docs.py``.
"""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
CLI_DOC = ROOT / "docs" / "cli.md"
README = ROOT / "README.md"
CI = ROOT / ".ci" / "run"
# "## `newsarchive crawl`" followed by a ```text block holding that command's --help
SECTION = re.compile(r"^## `(newsarchive(?: [a-z-]+)?)`\n(?:.*\n)*?```text\n((?:.*\n)*?)```", re.M)


def help_text(*args: str) -> str:
    """`newsarchive ARGS --help` as an 80-column terminal shows it (click wraps at the width less 2)."""
    result = CliRunner().invoke(cli, [*args, "--help"], prog_name="newsarchive", terminal_width=78)
    assert result.exit_code == 0, result.output
    return result.stdout


def documented() -> dict[str, str]:
    """Command line ("newsarchive crawl") -> the help text docs/cli.md shows for it."""
    return {m.group(1): m.group(2) for m in SECTION.finditer(CLI_DOC.read_text(encoding="utf-8"))}


def fenced(markdown: str, heading: str, language: str = "sh") -> list[str]:
    """The ``language`` code blocks of the section under ``heading`` (up to the next heading of its level)."""
    level = heading.split(" ", 1)[0]
    section = markdown.split(f"\n{heading}\n", 1)[1].split(f"\n{level} ", 1)[0]
    return re.findall(rf"```{language}\n(.*?)```", section, re.S)


@pytest.mark.parametrize("command", ["", *sorted(cli.commands)])
def test_cli_doc_shows_the_current_help_of_every_command(command):
    name = f"newsarchive {command}".strip()
    docs = documented()
    assert name in docs, f"docs/cli.md has no section for `{name}`; run: python tests/unit/test_docs.py"
    assert docs[name] == help_text(*filter(None, [command])), \
        f"docs/cli.md shows an old `{name} --help`; run: python tests/unit/test_docs.py"


def test_cli_doc_documents_no_command_that_does_not_exist():
    assert set(documented()) == {"newsarchive", *(f"newsarchive {c}" for c in cli.commands)}


def test_readme_test_command_is_what_ci_runs():
    demo, tests = (block.strip() for block in fenced(README.read_text(encoding="utf-8"), "## The two commands"))
    ci_lines = [line.strip() for line in CI.read_text(encoding="utf-8").splitlines()]
    assert tests in ci_lines, "README's test command is not in .ci/run word for word"
    assert tests.endswith(".venv/bin/python -m pytest -q")
    # the demo command sets up the same way, without the test extra, and runs the demo
    setup = tests.rsplit(" && ", 1)[0]
    assert demo == setup.replace("-e '.[test]'", "-e .") + " && .venv/bin/newsarchive demo"


def test_readme_usage_lines_use_real_commands_and_options():
    (usage,) = fenced(README.read_text(encoding="utf-8"), "## Usage")
    lines = [line.split("#", 1)[0].strip() for line in usage.splitlines() if line.strip()]
    assert lines
    for line in lines:
        _, command, *args = shlex.split(line)
        assert command in cli.commands, line
        options = {opt for param in cli.commands[command].params for opt in param.opts + param.secondary_opts}
        assert {a for a in args if a.startswith("-")} <= options, line


def _rewrite_cli_doc() -> None:
    """Replace each help block of docs/cli.md with the current --help (sections stay where they are)."""
    def current(match: re.Match) -> str:
        command = match.group(1).split()[1:]
        start, end = match.span(2)
        return match.group(0)[: start - match.start()] + help_text(*command) + match.group(0)[end - match.start():]

    text = SECTION.sub(current, CLI_DOC.read_text(encoding="utf-8"))
    missing = {"newsarchive", *(f"newsarchive {c}" for c in cli.commands)} - set(documented())
    for name in sorted(missing):
        text += f"\n## `{name}`\n\n```text\n{help_text(*name.split()[1:])}```\n"
    CLI_DOC.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    _rewrite_cli_doc()
    sys.exit(0)


def test_every_newsarchive_setting_is_documented():
    import re

    from crawler import settings

    names = {n for n in vars(settings) if n.startswith("NEWSARCHIVE_")}
    doc = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    assert names and {n for n in names if not re.search(rf"`{n}`", doc)} == set()
