"""The command line is read by a parser that builds only the command it names: it must read every command
line exactly as the full parser does, and leave every error and every help text to the full parser."""

from __future__ import annotations

import argparse

import pytest

from dbshift.cli import parser
from dbshift.cli.parser import build_parser, glue_option_values, parse_command_line

READ = [
    ["current"],
    ["--url", "sqlite:///a.db", "current", "-v", "--json"],
    ["current", "--url", "sqlite:///b.db", "-d", "elsewhere"],
    ["--url=sqlite:///a.db", "-d", "migrations", "history", "-r", "-3:current", "-v"],
    ["upgrade"],
    ["upgrade", "+2", "--sql", "--lock-wait", "5s", "--yes"],
    ["downgrade", "-1", "--resume"],
    ["revision", "-m", "add users", "--autogenerate", "--rename", "a:b", "--rename", "t.c:d"],
    ["init", "--no-models", "--app", "shop"],
    ["resolve", "20260101000000_abcd", "--rolled-back"],
    ["accept", "a", "b"],
    ["show"],
    ["stamp", "head", "--lock-wait", "1s"],
    ["accept", "a", "--lock-wait", "2s"],  # an option its help does not show
    ["adopt", "--dry-run"],
    ["merge", "-m", "join"],
    ["rebase", "x", "--onto", "y", "--no-db-check"],
    ["check", "--json"],
    ["diff", "sqlite:///a.db", "sqlite:///b.db", "--schema", "public", "-m", "sync", "-d", "m"],
    ["lint", "--all", "--ignore", "DS001"],
    ["demo"],
    ["-d", "current", "heads"],  # a directory named like a command
    ["--ur", "sqlite:///a.db", "heads"],  # an abbreviated option, as argparse allows
]


@pytest.mark.parametrize("argv", READ, ids=" ".join)
def test_a_command_line_reads_as_the_full_parser_reads_it(argv: list[str]):
    expected = build_parser().parse_args(glue_option_values(argv))
    assert parse_command_line(argv) == expected


def test_only_the_named_command_is_built():
    quick = build_parser(only="current")
    (commands,) = [a for a in quick._actions if isinstance(a, argparse._SubParsersAction)]
    assert list(commands.choices) == ["current"]
    full = build_parser()
    (all_commands,) = [a for a in full._actions if isinstance(a, argparse._SubParsersAction)]
    assert {"current", "upgrade", "diff", "lint", "demo"} <= set(all_commands.choices)


WRONG = [
    [],
    ["nonsense"],
    ["current", "--nonsense"],
    ["resolve", "x"],  # --applied or --rolled-back is required
    ["revision"],  # -m is required
    ["current", "extra"],
    ["--url"],
    ["upgrade", "--lock-wait"],
]


@pytest.mark.parametrize("argv", WRONG, ids=lambda a: " ".join(a) or "nothing")
def test_errors_are_the_full_parsers(argv: list[str], capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit) as full:
        build_parser().parse_args(glue_option_values(argv))
    expected = capsys.readouterr()
    with pytest.raises(SystemExit) as quick:
        parse_command_line(argv)
    assert (quick.value.code, capsys.readouterr()) == (full.value.code, expected)
    assert expected.err.startswith("usage: dbshift")


@pytest.mark.parametrize("argv", [["--help"], ["current", "--help"], ["-h", "current"], ["upgrade", "-h"],
                                  ["--version"], ["--url", "x", "--help", "heads"]], ids=" ".join)
def test_help_and_version_are_the_full_parsers(argv: list[str], capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit) as full:
        build_parser().parse_args(argv)
    expected = capsys.readouterr()
    with pytest.raises(SystemExit) as quick:
        parse_command_line(argv)
    assert (quick.value.code, capsys.readouterr()) == (full.value.code, expected)
    assert expected.out


def test_the_top_level_help_lists_every_command(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit):
        parse_command_line(["--help"])
    listed = capsys.readouterr().out
    for name in ("init", "revision", "upgrade", "downgrade", "current", "history", "heads", "check", "diff", "lint"):
        assert f"    {name} " in listed, name


def test_the_command_word_is_found_past_the_global_options():
    assert parser._command_named(["--url", "x", "-d", "upgrade", "current", "-v"]) == "current"
    assert parser._command_named(["--url=x", "history"]) == "history"
    assert parser._command_named(["current", "--help"]) is None  # the full parser shows help
    assert parser._command_named(["--url", "x"]) is None
