"""The ``dbshift`` command line: its commands and options (argparse), and nothing else.

:func:`parse_command_line` builds only the command a command line names (most of the
parser's cost is building all of them); whatever that parser cannot read as it is, the
full parser reads again, so errors and help are always the full parser's.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any, Sequence

if TYPE_CHECKING:
    from ..console.run_options import RunFlag


RUN_HELP = """\
Safety:
  Runs take a database lock first (PostgreSQL advisory lock, MySQL GET_LOCK,
  a lock file next to a SQLite database): a second run waits (--lock-wait),
  then finds the work done.  Each migration runs in its own transaction on
  PostgreSQL and SQLite.  On MySQL/MariaDB, and for statements that cannot
  run in a transaction, dbshift_history records progress statement by
  statement: after a failure, fix the cause and run with --resume, or repair
  by hand and run 'dbshift resolve REV --applied' (or --rolled-back).
  An applied migration whose file was edited stops the run: restore the file,
  or accept the edit with --accept-checksum REV or 'dbshift accept REV'.
  In a terminal, a run against a database on another host shows the plan
  and asks first (--yes skips the question).  A downgrade that loses data
  (drops a table or column, deletes rows) says so before it runs, and in a
  terminal asks first.

Durations: 500ms, 5s, 10min, 2h (a bare number is seconds).
"""

RESOLVE_HELP = """\
A migration that could not run in one transaction (every migration on
MySQL/MariaDB; CREATE INDEX CONCURRENTLY and the like on PostgreSQL) and
failed or was interrupted part-way stops every later run.  Either fix the
cause and continue with 'dbshift upgrade --resume' (or 'downgrade --resume'),
or repair the database by hand and tell dbshift how it ended:

  dbshift resolve REV --applied       all of its changes are now in place
  dbshift resolve REV --rolled-back   none of them are; it is pending again
"""


ADOPT_HELP = """\
For a database that Alembic (or Flask-Migrate) migrated, with the Alembic
folder (env.py, versions/) as the migrations directory: its scripts are part
of dbshift's history, and adopting records in dbshift_history the revisions
alembic_version names (and all they build on), changing nothing in the schema.

  dbshift adopt --dry-run    show what would be recorded
  dbshift adopt              record it (alembic_version is kept: Alembic still works)
  dbshift adopt --undo       remove what adopt recorded (before dbshift runs anything)
  dbshift adopt --confirm    drop alembic_version: dbshift alone keeps the history
"""


def _lock_wait(p: argparse.ArgumentParser, *, hidden: bool = False) -> None:
    """``--lock-wait``, which the commands that take the run lock offer as ``upgrade`` does."""
    if isinstance(p, argparse.ArgumentParser):  # a command not built needs no run option (nor their module)
        from ..console.run_options import LOCK_WAIT

        _add(p, LOCK_WAIT, hidden=hidden)


def _add(p: argparse.ArgumentParser, flag: RunFlag, *, hidden: bool = False) -> None:
    """One shared run option as an argparse option; its value stays as typed (parsed once, later)."""
    help_text = argparse.SUPPRESS if hidden else flag.help
    if flag.kind == "flag":
        p.add_argument(*flag.flags, dest=flag.name, action="store_true", help=help_text)
    elif flag.kind == "repeated":
        p.add_argument(*flag.flags, dest=flag.name, action="append", default=[], metavar=flag.metavar, help=help_text)
    else:
        p.add_argument(*flag.flags, dest=flag.name, metavar=flag.metavar, help=help_text)


def _run_command(commands: argparse._SubParsersAction, name: str, help_text: str, target_help: str,
                 default: str | None) -> None:
    p = commands.add_parser(name, help=help_text, description=RUN_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    if not isinstance(p, argparse.ArgumentParser):
        return
    p.add_argument("target", nargs="?", default=default, help=target_help)
    p.add_argument("--sql", action="store_true", help="print the SQL instead of running it")
    from ..console.run_options import RUN_FLAGS

    for flag in RUN_FLAGS:
        _add(p, flag)


_URL_HELP = "database URL (default: $DBSHIFT_URL, the configured URL, or the embedded SQLite)"
_DIRECTORY_HELP = "migrations directory (default: from [tool.dbshift])"

#: commands that take neither --url nor --directory after their name (they name their databases themselves)
_OWN_TARGETS = ("diff", "demo")


def _global_options_after(commands: argparse._SubParsersAction) -> None:
    """``dbshift current --url …`` as well as ``dbshift --url … current``: each command takes the global
    options too; given there, they win."""
    for name, p in commands.choices.items():
        if name not in _OWN_TARGETS:
            p.add_argument("--url", default=argparse.SUPPRESS, help=_URL_HELP)
            p.add_argument("-d", "--directory", default=argparse.SUPPRESS, help=_DIRECTORY_HELP)


def _json(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", dest="as_json", action="store_true",
                   help="print one JSON object (it names the database, password hidden)")


def parse_command_line(argv: Sequence[str]) -> argparse.Namespace:
    """The arguments of ``dbshift ARGV``; as argparse does, prints help or an error and raises SystemExit."""
    argv = glue_option_values(list(argv))
    named = _command_named(argv)
    if named is not None:
        try:
            return build_parser(only=named).parse_args(argv)
        except _NotQuick:
            pass  # the full parser says what is wrong, in its own words
    return build_parser().parse_args(argv)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole parser; with ``only``, a parser that reads that command alone and raises instead of printing an
    error (the others are not built)."""
    from .. import __version__

    kind = argparse.ArgumentParser if only is None else _QuickParser
    parser = kind(prog="dbshift", description="Schema migrations for SQLAlchemy applications.")
    parser.add_argument("--version", action="version", version=f"dbshift {__version__}")
    parser.add_argument("--url", help=_URL_HELP)
    parser.add_argument("-d", "--directory", help=_DIRECTORY_HELP)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True, action=_Commands)
    assert isinstance(commands, _Commands)
    commands.only = only

    p = commands.add_parser("init", help="add [tool.dbshift] to pyproject.toml and create the migrations directory")
    models = p.add_mutually_exclusive_group()
    models.add_argument("--metadata",
                        help="the models' MetaData, e.g. shop.models:Base.metadata (found automatically if omitted)")
    models.add_argument("--no-models", action="store_true",
                        help="a project without models: migrations are written by hand (revision --sql)")
    p.add_argument("--migrations", default="migrations", help="migrations directory (default: migrations)")
    p.add_argument("--app", help="names the embedded SQLite default, <user data dir>/APP/main.db "
                                 "(default: the project's name)")

    p = commands.add_parser("revision", help="write a new migration")
    p.add_argument("-m", "--message", required=True, help="what the migration does")
    p.add_argument("--autogenerate", action="store_true", help="fill it from the differences between models and database")
    p.add_argument("--sql", action="store_true",
                   help="write a .sql migration (with --autogenerate: the SQL for the configured database)")
    p.add_argument("--rename", action="append", default=[], metavar="OLD:NEW",
                   help="declare a rename: old_table:new_table or table.old_column:new_column (repeatable)")
    p.add_argument("--no-input", action="store_true", help="never ask questions (possible renames are reported)")

    _run_command(commands, "upgrade", "apply migrations (default: up to head)",
                 "head, heads, a revision, +N (with --sql: START:END)", "head")
    _run_command(commands, "downgrade", "un-apply migrations",
                 "-N, base or a revision (with --sql: START:END; with --resume: default -1)", None)

    p = commands.add_parser(
        "resolve", help="record how a failed or interrupted migration ended, after repairing it by hand",
        description=RESOLVE_HELP, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("revision", help="the unfinished migration (as 'dbshift current' or the error names it)")
    outcome = p.add_mutually_exclusive_group(required=True)
    outcome.add_argument("--applied", dest="outcome", action="store_const", const="applied",
                         help="all of its changes are in the database now: record it as applied")
    outcome.add_argument("--rolled-back", dest="outcome", action="store_const", const="rolled-back",
                         help="none of its changes are in the database: record it as not applied (pending again)")
    _lock_wait(p, hidden=True)

    p = commands.add_parser(
        "accept", help="accept edits to applied migrations: record their files' checksums as they are now",
        description="An applied migration whose file was edited stops every run until the edit is undone or "
                    "accepted.  Accept it only when the edit does not change what the migration did "
                    "(a comment, a fix for databases not yet migrated).",
    )
    p.add_argument("revisions", nargs="+", metavar="revision")
    _lock_wait(p, hidden=True)

    p = commands.add_parser("current", help="the revision(s) the database is at")
    p.add_argument("-v", "--verbose", action="store_true", help="also the database (password hidden) and what is pending")
    _json(p)
    p = commands.add_parser("history", help="all revisions, newest first, marking the applied ones (a graph when forked)")
    p.add_argument("-r", "--rev-range", metavar="START:END",
                   help="only these revisions, e.g. -3:current, base:head, REV: (ends: base, head, current, REV, -N, +N)")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="also each migration's file, when it was written, and when, how fast and by whom it was applied")
    _json(p)
    p = commands.add_parser("heads", help="the latest revision(s)")
    p.add_argument("-v", "--verbose", action="store_true", help="also each head's file")
    _json(p)
    p = commands.add_parser("show", help="one revision: every statement of its upgrade and downgrade")
    p.add_argument("revision", nargs="?", default="head",
                   help="head (default), current, -1, head-1, a revision id, its prefix or its random part")
    _json(p)
    p = commands.add_parser("stamp", help="record a revision as applied without running anything")
    p.add_argument("target", help="head, heads, base or a revision")
    _lock_wait(p)
    p = commands.add_parser(
        "adopt", help="take over a database Alembic migrated: record its alembic_version in dbshift's history",
        description=ADOPT_HELP, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    step = p.add_mutually_exclusive_group()
    step.add_argument("--dry-run", dest="step", action="store_const", const="plan", help="show what would be recorded")
    step.add_argument("--undo", dest="step", action="store_const", const="undo", help="remove what adopt recorded")
    step.add_argument("--confirm", dest="step", action="store_const", const="confirm",
                      help="drop alembic_version once the adoption is recorded")
    p.add_argument("--version-table", metavar="NAME",
                   help="Alembic's version table (default: as env.py configures it, else alembic_version)")
    p.add_argument("-y", "--yes", action="store_true", help="do not ask before recording")
    _lock_wait(p, hidden=True)
    p = commands.add_parser("merge", help="join several heads with an empty migration")
    p.add_argument("revisions", nargs="*", help="the heads to merge (default: all)")
    p.add_argument("-m", "--message", default="merge", help="what the merge is")
    p = commands.add_parser("rebase", help="put an unapplied branch on top of the other head (linear history)")
    p.add_argument("revision", help="the head (or a revision of the branch) to move")
    p.add_argument("--onto", help="the revision to build on (default: the other of two heads)")
    p.add_argument("--no-db-check", action="store_true",
                   help="do not read the database to check the branch is unapplied (when it is unreachable)")
    p = commands.add_parser("check", help="exit 2 if the models and the database (at head) differ")
    _json(p)
    p = commands.add_parser("diff", help="print the SQL that turns database A's schema into database B's")
    p.add_argument("url_a")
    p.add_argument("url_b")
    p.add_argument("--schema", action="append", default=[], help="a schema to compare, repeatable (default: every schema)")
    p.add_argument("-m", "--message",
                   help="write the SQL as a new .sql migration with this message (its '-- down': B into A)")
    p.add_argument("-d", "--directory", default=argparse.SUPPRESS, help=_DIRECTORY_HELP + " (with -m)")
    p = commands.add_parser("lint", help="exit 2 if migrations hold unsafe operations (data loss, long locks)")
    p.add_argument("revisions", nargs="*", metavar="REV", help="migrations to lint (default: those not yet applied)")
    p.add_argument("--all", action="store_true", help="lint every migration file, without connecting")
    p.add_argument("--json", dest="as_json", action="store_true", help="one JSON object with every finding")
    p.add_argument("--ignore", action="append", default=[], metavar="CODE", help="leave out a code (repeatable)")
    commands.add_parser("demo", help="a short tour on a throw-away SQLite database")
    _global_options_after(commands)
    return parser


class _NotQuick(Exception):
    """The one-command parser cannot read a command line (an error, or another command): the full one will."""


class _QuickParser(argparse.ArgumentParser):
    """A parser that raises :class:`_NotQuick` where argparse would print an error and exit."""

    def error(self, message: str) -> Any:  # noqa: ARG002 - the full parser reports it
        raise _NotQuick


class _Unbuilt:
    """A command not built: every call of a parser's building methods does nothing."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: self


class _Commands(argparse._SubParsersAction):
    """The subcommands; all of them, or only the one named ``only``."""

    only: str | None = None

    def add_parser(self, name: str, **kwargs: Any) -> Any:
        return super().add_parser(name, **kwargs) if self.only in (None, name) else _Unbuilt()


#: the options before a command that take the next word as their value
_GLOBAL_VALUES = ("--url", "-d", "--directory")


def _command_named(argv: list[str]) -> str | None:
    """The command word of ``argv`` (None without one, or when it asks for help or the version: the full
    parser answers those)."""
    words = iter(argv)
    for word in words:
        if word in ("-h", "--help", "--version"):
            return None
        if word in _GLOBAL_VALUES:
            next(words, None)
        elif not word.startswith("-"):
            return None if any(w in ("-h", "--help") for w in words) else word
    return None


def glue_option_values(argv: list[str]) -> list[str]:
    """``-r -3:current`` → ``--rev-range=-3:current``: argparse would take a value starting with '-' for an option."""
    glued: list[str] = []
    items = iter(argv)
    for item in items:
        if item in ("-r", "--rev-range"):
            value = next(items, None)
            glued.append("--rev-range" if value is None else f"--rev-range={value}")
        else:
            glued.append(item)
    return glued
