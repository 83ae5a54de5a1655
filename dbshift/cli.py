"""The ``dbshift`` command: argv → API call → text.  Exit codes: 0 ok, 1 error, 2 differences found."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Callable, Sequence, TextIO

from . import formatting as fmt
from .console import JsonEvents, Output, TextProgress, confirm_plan, lint_json, result_json
from .core.errors import DbshiftError

EXIT_OK, EXIT_ERROR, EXIT_DIFFERENCES = 0, 1, 2


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
  and asks first (--yes skips the question).

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


def _duration(text: str) -> float:
    """argparse type: a duration in seconds."""
    from .db import BadDuration, parse_duration

    try:
        return parse_duration(text) / 1000
    except BadDuration as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _run_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--sql", action="store_true", help="print the SQL instead of running it")
    p.add_argument("--dry-run", action="store_true",
                   help="connect, plan and show the statements each migration would run; change nothing")
    p.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation (remote databases in a terminal)")
    p.add_argument("--json", action="store_true", help="print one JSON object per event, one per line")
    p.add_argument("--resume", action="store_true",
                   help="continue a migration that failed or was interrupted part-way, after its last committed statement")
    p.add_argument("--single-transaction", action="store_true",
                   help="run the whole plan in one transaction (PostgreSQL, SQLite)")
    p.add_argument("--accept-checksum", action="append", default=[], metavar="REV",
                   help="accept the edited file of an applied migration as it is now (repeatable)")
    p.add_argument("--lock-wait", type=_duration, default=60.0, metavar="DURATION",
                   help="how long to wait for another run's lock (default 60s)")
    p.add_argument("--lock-timeout", type=_duration, metavar="DURATION",
                   help="the session's lock timeout: a statement waiting longer for a table lock fails")
    p.add_argument("--statement-timeout", type=_duration, metavar="DURATION",
                   help="the session's statement timeout (PostgreSQL, MariaDB)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dbshift", description="Schema migrations for SQLAlchemy applications.")
    parser.add_argument("--url", help="database URL (default: $DBSHIFT_URL, the configured URL, or the embedded SQLite)")
    parser.add_argument("-d", "--directory", help="migrations directory (default: from [tool.dbshift])")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = commands.add_parser("init", help="add [tool.dbshift] to pyproject.toml and create the migrations directory")
    p.add_argument("--metadata", help="the models' MetaData, e.g. shop.models:Base.metadata (found automatically if omitted)")
    p.add_argument("--migrations", default="migrations", help="migrations directory (default: migrations)")

    p = commands.add_parser("revision", help="write a new migration")
    p.add_argument("-m", "--message", required=True, help="what the migration does")
    p.add_argument("--autogenerate", action="store_true", help="fill it from the differences between models and database")
    p.add_argument("--rename", action="append", default=[], metavar="OLD:NEW",
                   help="declare a rename: old_table:new_table or table.old_column:new_column (repeatable)")
    p.add_argument("--no-input", action="store_true", help="never ask questions (possible renames are reported)")

    p = commands.add_parser("upgrade", help="apply migrations (default: up to head)", description=RUN_HELP,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("target", nargs="?", default="head", help="head, heads, a revision, +N (with --sql: START:END)")
    _run_arguments(p)

    p = commands.add_parser("downgrade", help="un-apply migrations", description=RUN_HELP,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("target", nargs="?", help="-N, base or a revision (with --sql: START:END; with --resume: default -1)")
    _run_arguments(p)

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
    p.add_argument("--lock-wait", type=_duration, default=60.0, metavar="DURATION", help=argparse.SUPPRESS)

    p = commands.add_parser(
        "accept", help="accept edits to applied migrations: record their files' checksums as they are now",
        description="An applied migration whose file was edited stops every run until the edit is undone or "
                    "accepted.  Accept it only when the edit does not change what the migration did "
                    "(a comment, a fix for databases not yet migrated).",
    )
    p.add_argument("revisions", nargs="+", metavar="revision")
    p.add_argument("--lock-wait", type=_duration, default=60.0, metavar="DURATION", help=argparse.SUPPRESS)

    commands.add_parser("current", help="the revision(s) the database is at")
    p = commands.add_parser("history", help="all revisions, newest first, marking the current one")
    p.add_argument("-r", "--rev-range", metavar="START:END",
                   help="only these revisions, e.g. -3:current, base:head, REV: (ends: base, head, current, REV, -N, +N)")
    p.add_argument("-v", "--verbose", action="store_true", help="also each migration's file")
    commands.add_parser("heads", help="the latest revision(s)")
    p = commands.add_parser("show", help="one revision's operations")
    p.add_argument("revision")
    p = commands.add_parser("stamp", help="record a revision as applied without running anything")
    p.add_argument("target", help="head, heads, base or a revision")
    p.add_argument("--lock-wait", type=_duration, default=60.0, metavar="DURATION",
                   help="how long to wait for another run's lock (default 60s)")
    p = commands.add_parser("merge", help="join several heads with an empty migration")
    p.add_argument("revisions", nargs="*", help="the heads to merge (default: all)")
    p.add_argument("-m", "--message", default="merge", help="what the merge is")
    p = commands.add_parser("rebase", help="put an unapplied branch on top of the other head (linear history)")
    p.add_argument("revision", help="the head (or a revision of the branch) to move")
    p.add_argument("--onto", help="the revision to build on (default: the other of two heads)")
    p.add_argument("--no-db-check", action="store_true",
                   help="do not read the database to check the branch is unapplied (when it is unreachable)")
    commands.add_parser("check", help="exit 2 if the models and the database (at head) differ")
    p = commands.add_parser("diff", help="print the SQL that turns database A's schema into database B's")
    p.add_argument("url_a")
    p.add_argument("url_b")
    p.add_argument("--schema", action="append", default=[], help="a schema to compare, repeatable (default: every schema)")
    p = commands.add_parser("lint", help="exit 2 if migrations hold unsafe operations (data loss, long locks)")
    p.add_argument("revisions", nargs="*", metavar="REV", help="migrations to lint (default: those not yet applied)")
    p.add_argument("--all", action="store_true", help="lint every migration file, without connecting")
    p.add_argument("--json", action="store_true", help="one JSON object with every finding")
    p.add_argument("--ignore", action="append", default=[], metavar="CODE", help="leave out a code (repeatable)")
    commands.add_parser("demo", help="a short tour on a throw-away SQLite database")
    return parser


def main(
    argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None,
    stdin: TextIO | None = None,
) -> int:
    """Run the command line; returns the exit code (also used as the console entry point).

    ``stdin`` is where answers come from (default: ``sys.stdin``); dbshift asks
    questions — confirmations, a password the server wants — only when it is a terminal.
    """
    from .db import password_prompt

    output = Output(out or sys.stdout, err or sys.stderr, stdin if stdin is not None else sys.stdin)
    parser = build_parser()
    try:
        args = parser.parse_args(_glue_option_values(sys.argv[1:] if argv is None else list(argv)))
    except SystemExit as exc:
        return int(exc.code or 0)
    token = password_prompt.set(_ask_password(output) if output.interactive else None)
    try:
        return COMMANDS[args.command](args, output)
    except DbshiftError as exc:
        _json_error(args, output, str(exc), type(exc).__name__)
        output.error(str(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        _json_error(args, output, "interrupted", "KeyboardInterrupt")
        output.error("interrupted")
        return 130
    except Exception as exc:  # a bug in dbshift: still one line, never a password
        if os.environ.get("DBSHIFT_DEBUG"):
            raise
        from .db import mask_text

        text = mask_text(f"unexpected {type(exc).__name__}: {exc}".splitlines()[0]) + " (set DBSHIFT_DEBUG=1 for details)"
        _json_error(args, output, text, type(exc).__name__)
        output.error(text)
        return EXIT_ERROR
    finally:
        password_prompt.reset(token)


def _glue_option_values(argv: list[str]) -> list[str]:
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


def _json_error(args: argparse.Namespace, output: Output, message: str, kind: str) -> None:
    if getattr(args, "json", False):
        output.line(json.dumps({"event": "error", "type": kind, "message": message}))


def _ask_password(output: Output):  # noqa: ANN202
    def ask(masked_url: str) -> str:
        prompt = f"Password for {masked_url}: "
        if output.stdin is sys.stdin:
            import getpass

            return getpass.getpass(prompt)
        output.err.write(prompt)
        output.err.flush()
        return output.stdin.readline().rstrip("\n")

    return ask


def _config(args: argparse.Namespace):  # noqa: ANN202
    from .config import load_config

    return load_config(url=args.url, migrations=args.directory)


# --- commands ----------------------------------------------------------------------


def cmd_init(args: argparse.Namespace, output: Output) -> int:
    from . import api

    result = api.init(Path.cwd(), metadata=args.metadata, migrations=args.migrations)
    output.line(f"Added [tool.dbshift] to {result.pyproject} (models: {result.metadata})")
    output.line(f"Created {result.migrations}/")
    output.line("Next: dbshift revision --autogenerate -m \"initial\"")
    return EXIT_OK


def cmd_revision(args: argparse.Namespace, output: Output) -> int:
    from . import api

    interactive = not args.no_input and sys.stdin is not None and sys.stdin.isatty()
    ask = _ask_rename(output) if interactive else None
    config = _config(args)
    result = api.revision(config, args.message, autogenerate=args.autogenerate, renames=args.rename, ask=ask)
    output.lines(fmt.revision_lines(result))
    if result.revision is not None and result.ops:
        output.lines([f"  lint {f.code}: {f.message} ({f.suggestion})"
                      for _, f in api.lint(config, [result.revision.id]).findings])
    for text in fmt.possible_rename_lines(result):
        output.error(text)
    return EXIT_OK


def _ask_rename(output: Output):  # noqa: ANN202
    def ask(candidate) -> bool:  # noqa: ANN001
        answer = input(f"{fmt.rename_question(candidate)} [y/N] ")
        return answer.strip().lower() in ("y", "yes")

    return ask


def _run(direction: str, args: argparse.Namespace, output: Output) -> int:
    from . import api

    config = _config(args)
    target = args.target
    if target is None:  # downgrade without a target
        if not (args.resume or args.sql):
            from .core.errors import BadTarget

            raise BadTarget("", "downgrade needs a target: -1, -N, base or a revision")
        target = "-1"
    run = api.upgrade if direction == "up" else api.downgrade
    if args.sql:
        result = run(config, target, sql=True)
        output.out.write(result.sql or "")
        return EXIT_OK
    progress = JsonEvents(output) if args.json else TextProgress(output)
    confirm = None
    if output.interactive and not args.yes and not args.dry_run:
        from .db import is_local

        if not is_local(config.url):
            confirm = confirm_plan(output, config.url, direction, args.json)
    try:
        result = run(
            config, target, emit=progress, dry_run=args.dry_run, resume=args.resume,
            single_transaction=args.single_transaction, accept_checksums=tuple(args.accept_checksum),
            confirm=confirm, lock_wait=args.lock_wait, lock_timeout=args.lock_timeout,
            statement_timeout=args.statement_timeout,
        )
    finally:
        progress.close()
    if args.json:
        output.line(json.dumps(result_json(result)))
    elif result.dry_run:
        output.lines(fmt.plan_lines(result))
    else:
        output.lines(fmt.run_lines(result))
    return EXIT_OK


def cmd_upgrade(args: argparse.Namespace, output: Output) -> int:
    return _run("up", args, output)


def cmd_downgrade(args: argparse.Namespace, output: Output) -> int:
    return _run("down", args, output)


def cmd_current(args: argparse.Namespace, output: Output) -> int:
    from . import api

    config = _config(args)
    status = api.status(config)
    output.lines(fmt.current_lines(status, api.load_graph(config)))
    for row in status.unfinished:
        verb = "upgrade" if row.direction == "up" else "downgrade"
        output.line(f"unfinished: {row.revision} {row.status} during its {verb} after statement "
                    f"{row.statements_done or 0}; see 'dbshift {verb} --resume' and 'dbshift resolve --help'")
    if status.edited:
        output.line(f"edited since applied: {', '.join(status.edited)}; see 'dbshift accept --help'")
    return EXIT_OK


def cmd_history(args: argparse.Namespace, output: Output) -> int:
    from . import api

    entries = api.history_entries(_config(args), rev_range=args.rev_range)
    if args.rev_range is not None and not entries:
        output.line(f"No revisions in range {args.rev_range}.")
    output.lines(fmt.history_lines(entries, verbose=args.verbose))
    return EXIT_OK


def cmd_heads(args: argparse.Namespace, output: Output) -> int:
    from . import api

    output.lines(fmt.heads_lines(api.heads(_config(args))))
    return EXIT_OK


def cmd_show(args: argparse.Namespace, output: Output) -> int:
    from . import api

    output.lines(fmt.show_lines(api.show(_config(args), args.revision)))
    return EXIT_OK


def cmd_stamp(args: argparse.Namespace, output: Output) -> int:
    from . import api

    output.lines(fmt.stamp_lines(api.stamp(_config(args), args.target, emit=_lock_notes(output), lock_wait=args.lock_wait)))
    return EXIT_OK


def _lock_notes(output: Output):  # noqa: ANN202
    def show(event) -> None:  # noqa: ANN001
        text = fmt.event_line(event)
        if text is not None:
            output.line(text)

    return show


def cmd_resolve(args: argparse.Namespace, output: Output) -> int:
    from . import api

    result = api.resolve(_config(args), args.revision, args.outcome, emit=_lock_notes(output), lock_wait=args.lock_wait)
    verb = "upgrade" if result.direction == "up" else "downgrade"
    if result.outcome == "applied":
        output.line(f"Recorded {result.revision} as applied (its {verb} had {result.status}).")
    else:
        output.line(f"Recorded {result.revision} as not applied (its {verb} had {result.status}); it is pending again.")
    return EXIT_OK


def cmd_accept(args: argparse.Namespace, output: Output) -> int:
    from . import api

    for r in api.accept(_config(args), args.revisions, emit=_lock_notes(output), lock_wait=args.lock_wait):
        if r.old == r.new:
            output.line(f"{r.revision}: unchanged ({r.path})")
        else:
            output.line(f"Accepted {r.revision} as it is now ({r.path}): checksum {r.old[:12]} -> {r.new[:12]}")
    return EXIT_OK


def cmd_merge(args: argparse.Namespace, output: Output) -> int:
    from . import api

    output.lines(fmt.merge_lines(api.merge(_config(args), args.message, tuple(args.revisions))))
    return EXIT_OK


def cmd_rebase(args: argparse.Namespace, output: Output) -> int:
    from . import api

    result = api.rebase(_config(args), args.revision, args.onto, check_database=not args.no_db_check)
    output.lines(fmt.rebase_lines(result))
    return EXIT_OK


def cmd_check(args: argparse.Namespace, output: Output) -> int:
    from . import api

    result = api.check(_config(args))
    output.lines(fmt.check_lines(result))
    return EXIT_OK if result.ok else EXIT_DIFFERENCES


def cmd_diff(args: argparse.Namespace, output: Output) -> int:
    from . import api

    schemas = tuple(args.schema) or None
    result = api.diff_databases(args.url_a, args.url_b, schemas=schemas)
    for text in fmt.diff_warning_lines(result):
        print(text, file=output.err)
    output.out.write(result.sql)
    return EXIT_DIFFERENCES if result.ops or result.unmodelled else EXIT_OK


def cmd_lint(args: argparse.Namespace, output: Output) -> int:
    from . import api

    ignore = [code.strip() for item in args.ignore for code in item.split(",") if code.strip()]
    result = api.lint(_config(args), args.revisions or None, every=args.all, ignore=ignore)
    if args.json:
        output.line(json.dumps(lint_json(result)))
    else:
        output.lines(fmt.lint_lines(result))
    return EXIT_DIFFERENCES if result.findings else EXIT_OK


def cmd_demo(args: argparse.Namespace, output: Output) -> int:
    from .demo import run_demo

    return run_demo(output.line)


COMMANDS: dict[str, Callable[[argparse.Namespace, Output], int]] = {
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
    "merge": cmd_merge,
    "rebase": cmd_rebase,
    "check": cmd_check,
    "diff": cmd_diff,
    "demo": cmd_demo,
    "lint": cmd_lint,
}


if __name__ == "__main__":
    sys.exit(main())
