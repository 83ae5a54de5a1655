"""The bodies of the commands both front ends offer: call the API, show the result, return the exit code.

``dbshift`` (:mod:`dbshift.cli`) and ``flask db`` (:mod:`dbshift.flask.commands`)
parse their own arguments and find their :class:`~dbshift.config.Config`; what
happens next, and what it looks like, is here, once.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Callable, Iterable

from .. import api
from ..project.config import Config
from . import words
from .output import Output
from .progress import lock_notes, progress_for
from .shapes import check_json, current_json, heads_json, history_json, lint_json, result_json, show_json

if TYPE_CHECKING:
    from ..core.renames import PossibleRename
    from .run_options import RunChoices

EXIT_OK, EXIT_DIFFERENCES = 0, 2


def announce(output: Output, config: Config) -> None:
    """Name the database a command is about to use, once, to the person at the terminal (never in JSON)."""
    output.note(config.url, words.database_line(config))


def revision(
    output: Output, config: Config, message: str, *, autogenerate: bool, renames: Iterable[str] = (),
    ask: Callable[[PossibleRename], bool] | None = None, sql: bool = False,
) -> int:
    """Write a migration (``sql``: a ``.sql`` file); show its operations, their lint findings and any
    possible rename left as drop + add."""
    if autogenerate:
        announce(output, config)
    result = api.revision(config, message, autogenerate=autogenerate, renames=renames, ask=ask, sql=sql)
    output.lines(words.revision_lines(result))
    if result.revision is not None and result.ops:
        output.lines(words.finding_lines(api.lint(config, [result.revision.id])))
    if result.path is not None and not result.ops:
        output.lines(words.hand_written_lines(result, output.program))
    for text in words.possible_rename_lines(result):
        output.warn(f"warning: {text}")
    return EXIT_OK


def run(output: Output, config: Config, direction: str, target: str, choices: RunChoices) -> int:
    """Upgrade or downgrade with progress (text or JSON).

    A downgrade that loses data says so before it runs; on a terminal (without
    ``--yes``) the plan is confirmed first for such a downgrade, and for any run
    against a database on another host.
    """
    from ..api.up_to_date import up_to_date
    from ..database.plain import is_local

    if not choices.as_json:
        announce(output, config)
    confirm = None
    remote, ask = not is_local(config.url), output.interactive and not choices.yes
    if not choices.options.dry_run and (direction == "down" or (ask and remote)):
        from .prompts import confirm_plan

        confirm = confirm_plan(output, config.url, direction, as_json=choices.as_json, ask=ask, remote=remote)
    progress = progress_for(output, choices.as_json)
    try:
        result = up_to_date(config, target, choices.options, progress) if direction == "up" else None
        if result is None:  # something to run (or to check with the lock held)
            migrate = api.upgrade if direction == "up" else api.downgrade
            result = migrate(config, target, choices.options, emit=progress, confirm=confirm)
    finally:
        progress.close()
    if choices.as_json:
        output.line(json.dumps(result_json(result, config)))
    else:
        output.lines(words.plan_lines(result) if result.dry_run else words.run_lines(result))
    return EXIT_OK


def sql(output: Output, config: Config, direction: str, target: str) -> int:
    """Offline mode: print the SQL script of an upgrade or downgrade."""
    script = api.upgrade_sql(config, target) if direction == "up" else api.downgrade_sql(config, target)
    output.write(script.sql)
    return EXIT_OK


def current(output: Output, config: Config, *, verbose: bool = False, as_json: bool = False) -> int:
    from ..database.plain import sqlite_file

    if not (as_json or verbose):  # -v says it on stdout, JSON in its object
        announce(output, config)
    graph = api.load_graph(config)
    status = api.status(config, graph=graph)
    if as_json:
        output.line(json.dumps(current_json(status, graph, config)))
        return EXIT_OK
    if verbose:
        output.named.add(config.url)
        output.line(words.database_line(config))
        output.line(f"Migrations: {config.migrations}/")
    output.lines(words.current_lines(status, graph, output.program))
    path = sqlite_file(config.url)
    if path is not None and not path.exists():
        output.line(f"No database file yet: {path} (the first upgrade creates it).")
    if verbose:
        output.lines(words.pending_lines(status))
    return EXIT_OK


def history(
    output: Output, config: Config, *, rev_range: str | None = None, verbose: bool = False, as_json: bool = False,
) -> int:
    """Every revision; when the database cannot be reached or read, the files alone still tell the history."""
    if not as_json:
        announce(output, config)
    try:
        entries = api.history_entries(config, rev_range=rev_range)
        read: Config | None = config
    except Exception as exc:
        from ..database.connect import DatabaseUnreachable
        from ..database.problems import DatabaseProblem

        if not isinstance(exc, (DatabaseUnreachable, DatabaseProblem)):
            raise
        entries = api.history_entries(config, with_database=False, rev_range=rev_range)
        read = None
        output.warn(f"Note: applied revisions are not marked: {exc}")
    if as_json:
        output.line(json.dumps(history_json(entries, read)))
        return EXIT_OK
    if rev_range is not None and not entries:
        output.line(f"No revisions in range {rev_range}.")
        return EXIT_OK
    output.lines(words.history_lines(entries, verbose=verbose, program=output.program))
    return EXIT_OK


def heads(output: Output, config: Config, *, verbose: bool = False, as_json: bool = False) -> int:
    revisions = api.heads(config)
    if as_json:
        output.line(json.dumps(heads_json(revisions, config)))
    else:
        output.lines(words.heads_lines(revisions, verbose=verbose))
    return EXIT_OK


def show(output: Output, config: Config, ref: str, *, as_json: bool = False) -> int:
    """One migration, every statement of both directions as the configured database would run them."""
    from ..core.ranges import needs_database

    if needs_database(ref) and not as_json:
        announce(output, config)
    result = api.show(config, ref)
    output.lines([json.dumps(show_json(result, config))] if as_json else words.show_lines(result))
    return EXIT_OK


def stamp(output: Output, config: Config, target: str, *, lock_wait: float | None = None) -> int:
    announce(output, config)
    output.lines(words.stamp_lines(api.stamp(config, target, emit=lock_notes(output), **_wait(lock_wait))))
    return EXIT_OK


def resolve(output: Output, config: Config, revision: str, outcome: str, *, lock_wait: float | None = None) -> int:
    announce(output, config)
    result = api.resolve(config, revision, outcome, emit=lock_notes(output), **_wait(lock_wait))
    output.lines(words.resolve_lines(result))
    return EXIT_OK


def accept(output: Output, config: Config, revisions: Iterable[str], *, lock_wait: float | None = None) -> int:
    announce(output, config)
    output.lines(words.accept_lines(api.accept(config, revisions, emit=lock_notes(output), **_wait(lock_wait))))
    return EXIT_OK


def adopt(
    output: Output, config: Config, step: str | None, *, version_table: str | None = None, yes: bool = False,
    lock_wait: float | None = None,
) -> int:
    """``step``: None (record; on a terminal, unless ``yes``, the plan is shown and confirmed first), ``plan``
    (show it only), ``undo`` or ``confirm``."""
    from .prompts import ask_yes

    announce(output, config)
    wait, notes = _wait(lock_wait), lock_notes(output)
    if step == "undo":
        result = api.undo_adoption(config, version_table_name=version_table, emit=notes, **wait)
    elif step == "confirm":
        result = api.confirm_adoption(config, version_table_name=version_table, emit=notes, **wait)
    else:
        result = api.adopt_plan(config, version_table_name=version_table)
        if step is None and result.action == "plan":
            if output.interactive and not yes:
                output.lines(words.adopt_lines(result, output.program))
                if not ask_yes(output, f"Record {len(result.revisions)} revision(s) as applied?"):
                    raise api.Cancelled()
            result = api.adopt(config, version_table_name=version_table, emit=notes, **wait)
    output.lines(words.adopt_lines(result, output.program))
    return EXIT_OK


def _wait(lock_wait: float | None) -> dict[str, float]:
    return {} if lock_wait is None else {"lock_wait": lock_wait}


def merge(output: Output, config: Config, message: str, revisions: tuple[str, ...]) -> int:
    output.lines(words.merge_lines(api.merge(config, message, revisions)))
    return EXIT_OK


def rebase(output: Output, config: Config, revision: str, onto: str | None, *, check_database: bool) -> int:
    if check_database:
        announce(output, config)
    output.lines(words.rebase_lines(api.rebase(config, revision, onto, check_database=check_database), output.program))
    return EXIT_OK


def check(output: Output, config: Config, *, as_json: bool = False) -> int:
    """Exit 2 when the models and the database differ, or the history has a problem."""
    if not as_json:
        announce(output, config)
    result = api.check(config)
    if as_json:
        output.line(json.dumps(check_json(result, config, output.program)))
    else:
        models = config.metadata is not None or config.metadata_object is not None
        output.lines(words.check_lines(result, output.program, models=models))
    return EXIT_OK if result.ok else EXIT_DIFFERENCES


def lint(
    output: Output, config: Config, revisions: Iterable[str] | None, *, every: bool, ignore: Iterable[str],
    as_json: bool,
) -> int:
    """Exit 2 when any migration holds an unsafe operation.  ``ignore`` items may be comma-separated."""
    codes = [code.strip() for item in ignore for code in item.split(",") if code.strip()]
    if not (every or revisions or as_json):
        announce(output, config)
    result = api.lint(config, list(revisions or ()) or None, every=every, ignore=codes)
    if as_json:
        output.line(json.dumps(lint_json(result)))
    else:
        output.lines(words.lint_lines(result))
    return EXIT_DIFFERENCES if result.findings else EXIT_OK
