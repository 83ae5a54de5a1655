"""The ``dbshift`` command: argv → a command body of :mod:`dbshift.console.commands` → exit code.

Exit codes: 0 ok, 1 error, 2 differences found (check, lint, diff), 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence, TextIO

from ..console.output import Output

if TYPE_CHECKING:
    from types import ModuleType

    from ..project.config import Config

EXIT_OK, EXIT_DIFFERENCES = 0, 2

Command = Callable[[argparse.Namespace, Output], int]


def main(
    argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None,
    stdin: TextIO | None = None,
) -> int:
    """Run the command line; returns the exit code (also used as the console entry point).

    ``stdin`` is where answers come from (default: ``sys.stdin``); dbshift asks
    questions — confirmations, a password the server wants — only when it is a terminal.
    """
    from .parser import parse_command_line

    output = Output(out or sys.stdout, err or sys.stderr, stdin if stdin is not None else sys.stdin)
    try:
        args = parse_command_line(sys.argv[1:] if argv is None else argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    from ..database.prompt import password_prompt

    token = password_prompt.set(_password_prompt(output))
    try:
        return COMMANDS[args.command](args, output)
    except BaseException as exc:  # noqa: BLE001 - every failure is one line; DBSHIFT_DEBUG shows bugs in full
        from ..console.failures import debugging, is_bug, report

        if isinstance(exc, (SystemExit, GeneratorExit)) or is_bug(exc) and debugging():
            raise
        return report(output, exc, as_json=getattr(args, "as_json", False))
    finally:
        password_prompt.reset(token)
        output.flush()  # now, so that a reader gone away (| head) is not an error at exit


def _password_prompt(output: Output) -> Callable[[str], str] | None:
    if not output.interactive:
        return None
    from ..console.prompts import ask_password

    return ask_password(output)


def _config(args: argparse.Namespace) -> Config:
    from ..project.config import load_config

    return load_config(url=args.url, migrations=args.directory)


def _commands() -> ModuleType:
    """The command bodies, imported only once a command runs (``--help`` stays light)."""
    from ..console import commands

    return commands


def _seconds(text: str | None) -> float | None:
    from ..core.durations import seconds

    return seconds(text)


# --- commands ----------------------------------------------------------------------


def cmd_init(args: argparse.Namespace, output: Output) -> int:
    from .. import api
    from ..console import words

    result = api.init(Path.cwd(), metadata=args.metadata, migrations=args.migrations, models=not args.no_models,
                      app=args.app)
    models = f"models: {result.metadata}" if result.metadata else "no models: migrations are written by hand"
    output.line(f"Added [tool.dbshift] to {result.pyproject} ({models})")
    output.line(f"Created {result.migrations}/")
    output.line(words.database_line(_config(args)))
    if result.metadata:
        output.line('Next: dbshift revision --autogenerate -m "initial"')
    else:
        output.line('Next: dbshift revision --sql -m "initial" (then write its SQL), and dbshift upgrade')
    return EXIT_OK


def cmd_revision(args: argparse.Namespace, output: Output) -> int:
    from ..console.prompts import ask_rename

    ask = ask_rename(output) if output.interactive and not args.no_input else None
    return _commands().revision(output, _config(args), args.message, autogenerate=args.autogenerate, renames=args.rename,
                                ask=ask, sql=args.sql)


def _migrate(direction: str, args: argparse.Namespace, output: Output) -> int:
    from ..console.run_options import split
    from ..core.errors import BadTarget

    choices = split(vars(args))
    target = args.target
    if target is None:  # downgrade without a target
        if not (choices.options.resume or args.sql):
            raise BadTarget("", "downgrade needs a target: -1, -N, base or a revision")
        target = "-1"
    if args.sql:
        return _commands().sql(output, _config(args), direction, target)
    return _commands().run(output, _config(args), direction, target, choices)


def cmd_upgrade(args: argparse.Namespace, output: Output) -> int:
    return _migrate("up", args, output)


def cmd_downgrade(args: argparse.Namespace, output: Output) -> int:
    return _migrate("down", args, output)


def cmd_current(args: argparse.Namespace, output: Output) -> int:
    return _commands().current(output, _config(args), verbose=args.verbose, as_json=args.as_json)


def cmd_history(args: argparse.Namespace, output: Output) -> int:
    return _commands().history(output, _config(args), rev_range=args.rev_range, verbose=args.verbose,
                               as_json=args.as_json)


def cmd_heads(args: argparse.Namespace, output: Output) -> int:
    return _commands().heads(output, _config(args), verbose=args.verbose, as_json=args.as_json)


def cmd_show(args: argparse.Namespace, output: Output) -> int:
    return _commands().show(output, _config(args), args.revision, as_json=args.as_json)


def cmd_stamp(args: argparse.Namespace, output: Output) -> int:
    return _commands().stamp(output, _config(args), args.target, lock_wait=_seconds(args.lock_wait))


def cmd_resolve(args: argparse.Namespace, output: Output) -> int:
    return _commands().resolve(output, _config(args), args.revision, args.outcome, lock_wait=_seconds(args.lock_wait))


def cmd_accept(args: argparse.Namespace, output: Output) -> int:
    return _commands().accept(output, _config(args), args.revisions, lock_wait=_seconds(args.lock_wait))


def cmd_adopt(args: argparse.Namespace, output: Output) -> int:
    return _commands().adopt(output, _config(args), args.step, version_table=args.version_table, yes=args.yes,
                             lock_wait=_seconds(args.lock_wait))


def cmd_merge(args: argparse.Namespace, output: Output) -> int:
    return _commands().merge(output, _config(args), args.message, tuple(args.revisions))


def cmd_rebase(args: argparse.Namespace, output: Output) -> int:
    return _commands().rebase(output, _config(args), args.revision, args.onto, check_database=not args.no_db_check)


def cmd_check(args: argparse.Namespace, output: Output) -> int:
    return _commands().check(output, _config(args), as_json=args.as_json)


def cmd_diff(args: argparse.Namespace, output: Output) -> int:
    """Print the SQL that turns A into B; with ``-m``, write it as a new ``.sql`` migration instead."""
    from .. import api
    from ..console import words

    schemas = tuple(args.schema) or None
    if args.message is None:
        result = api.diff_databases(args.url_a, args.url_b, schemas=schemas)
    else:
        from ..api.sql_migrations import diff_revision
        from ..project.config import load_config

        config = load_config(migrations=getattr(args, "directory", None))
        written, result = diff_revision(config, args.url_a, args.url_b, args.message, schemas=schemas)
    for text in words.diff_warning_lines(result):
        output.warn(text)
    if args.message is None:
        output.write(result.sql)
    elif written.path is None:
        output.line("No differences: the two schemas match; nothing written.")
    else:
        output.lines(words.revision_lines(written))
        output.line(f"Next: '{output.program} show {written.revision.id if written.revision else ''}', then "
                    f"'{output.program} upgrade' where it should run")
    if args.message is not None:
        return EXIT_OK
    return EXIT_DIFFERENCES if result.ops or result.unmodelled else EXIT_OK


def cmd_lint(args: argparse.Namespace, output: Output) -> int:
    return _commands().lint(output, _config(args), args.revisions, every=args.all, ignore=args.ignore, as_json=args.as_json)


def cmd_demo(args: argparse.Namespace, output: Output) -> int:
    from .demo import run_demo

    return run_demo(output.line, main)


COMMANDS: dict[str, Command] = {
    "init": cmd_init,
    "revision": cmd_revision,
    "upgrade": cmd_upgrade,
    "downgrade": cmd_downgrade,
    "current": cmd_current,
    "history": cmd_history,
    "heads": cmd_heads,
    "show": cmd_show,
    "stamp": cmd_stamp,
    "resolve": cmd_resolve,
    "accept": cmd_accept,
    "adopt": cmd_adopt,
    "merge": cmd_merge,
    "rebase": cmd_rebase,
    "check": cmd_check,
    "diff": cmd_diff,
    "demo": cmd_demo,
    "lint": cmd_lint,
}


if __name__ == "__main__":
    sys.exit(main())
