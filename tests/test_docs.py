"""Every command is documented (as sqlite-utils' test_docs.py checks): it appears in README.md
and its --help has an example (issue 15)."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from extractor.cli import cli

from .conftest import ROOT


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            out += _commands(command, prefix + (name,))
        else:
            out.append(prefix + (name,))
    return out


COMMANDS = _commands(cli)


def test_the_cli_has_its_commands():
    assert {("extract",), ("eval",), ("audit", "next"), ("check",)} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_command_is_in_the_readme(command):
    assert f"extractor {' '.join(command)}" in (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_command_help_has_an_example(command):
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output and f"extractor {' '.join(command)}" in result.output


def test_benchmark_command_is_documented():
    from benchmarks.cli import bench

    assert "python -m benchmarks" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert "Example" in CliRunner().invoke(bench, ["--help"]).output
