"""The ``flask db`` command group: Flask-Migrate's verbs and options on top of :mod:`dbshift.api`.

Every command works on the default bind unless ``--bind NAME`` names another;
``--all-binds`` (upgrade, migrate, current, check) takes them all, the default
first.  Text comes from :mod:`dbshift.formatting`, the same words as the
``dbshift`` command, and the run options are the same (``--dry-run``,
``--json``, ``--yes``, ``--resume``, ...).  Any dbshift error is one ``Error:``
line on stderr and a non-zero exit; options of Flask-Migrate that have no
meaning here are refused the same way, saying what to do instead.  As in
Flask-Migrate 4, ``-d DIR`` may also come before the command
(``flask db -d DIR upgrade``) or from ``$FLASK_DB_DIRECTORY``.
"""

from __future__ import annotations

import functools
import getpass
import json
import os
import re
import sys
from typing import Any, Callable, Iterator

import click
from flask import current_app
from flask.cli import AppGroup

from .. import api, console
from .. import formatting as fmt
from ..core.errors import DbshiftError, MultipleHeads, UnknownRevision
from ..db import DatabaseUnreachable, is_local, mask, mask_text, parse_duration, password_prompt
from . import _binds, _state, bind_config, for_flask, migrations_directory
from .errors import Bind, bind_label

EXIT_DIFFERENCES = 2


class CommandFailed(click.ClickException):
    """One ``Error: ...`` line on stderr and the error's exit code."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _command_name() -> str:
    return _state(current_app).command


def _friendly(f: Callable[..., Any]) -> Callable[..., Any]:
    """dbshift errors (and dbshift bugs) become one line, never a traceback, never a password."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        # like the dbshift command: when a server wants a password the URL lacks, ask on a terminal
        token = password_prompt.set(_ask_password if _interactive() else None)
        try:
            return f(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except DbshiftError as exc:
            raise CommandFailed(for_flask(str(exc), _command_name()), exc.exit_code) from None
        except Exception as exc:  # noqa: BLE001 - a bug in dbshift or the app: still one line
            if os.environ.get("DBSHIFT_DEBUG"):
                raise
            text = mask_text(f"unexpected {type(exc).__name__}: {exc}".splitlines()[0])
            raise CommandFailed(text + " (set DBSHIFT_DEBUG=1 for details)") from None
        finally:
            password_prompt.reset(token)

    return wrapper


def _interactive() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def _ask_password(masked_url: str) -> str:
    return getpass.getpass(f"Password for {masked_url}: ")


def _refused(*decls: str, reason: str, takes_value: bool = False, multiple: bool = False,
             harmless: str | None = None):  # noqa: ANN202
    """A hidden Flask-Migrate option that makes no sense here: using it is one ``Error:`` line (exit 2)
    with ``reason``, which says what to do instead.

    ``harmless``: the one value that asks for what dbshift does anyway (``--head head``): accepted.
    """

    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> None:
        if value not in (None, False, (), harmless):
            group = ctx
            while group.parent is not None and group.command is not db_group:
                group = group.parent
            text = reason.replace("'flask db ", f"'flask {group.info_name} ")  # Migrate(command=...)
            raise CommandFailed(f"{param.opts[-1]} is not supported by dbshift: {text}", 2)

    return click.option(
        *decls, is_flag=not takes_value, multiple=multiple, hidden=True, expose_value=False, callback=callback,
        default=None if takes_value and not multiple else (() if multiple else False),
    )


_NO_ENV = "there is no env.py to read it; leave it out and put settings in the app's config"
_NO_LABELS = (
    "a new migration always builds on the single head (use 'flask db merge' to join heads); "
    "each bind has its own directory (--bind NAME)"
)
_NO_REV_ID = "dbshift names revisions '<UTC time>_<hex>' so that migration files sort in creation order; leave it out"
_DIRECTORY = "dbshift.directory"  # ctx.meta key: the group's -d, the default of every command's -d

_refuse_x = _refused("-x", "--x-arg", takes_value=True, multiple=True, reason=_NO_ENV)


@click.group("db", cls=AppGroup)
@click.option("-d", "--directory", type=click.Path(file_okay=False),
              help="Migrations directory for every command (default: the one given to Migrate; 'migrations').")
@_refuse_x
@click.pass_context
def db_group(ctx: click.Context, directory: str | None) -> None:
    """Database migrations for this app (dbshift)."""
    ctx.meta[_DIRECTORY] = directory


def _directory(directory: str | None) -> str | None:
    """A command's own ``-d``, else the group's (``flask db -d DIR COMMAND``)."""
    if directory is not None:
        return directory
    ctx = click.get_current_context(silent=True)
    return ctx.meta.get(_DIRECTORY) if ctx is not None else None


def _common(all_binds: bool = False):  # noqa: ANN202
    """``-d/--directory`` and ``--bind`` (and ``--all-binds``) for every command that works on a bind."""

    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        if all_binds:
            f = click.option("--all-binds", is_flag=True, help="Every bind, the default one first.")(f)
        f = click.option("--bind", metavar="NAME", help="The Flask-SQLAlchemy bind (default: the default bind).")(f)
        return click.option(
            "-d", "--directory", type=click.Path(file_okay=False),
            help="Migrations directory (default: the one given to Migrate; 'migrations').",
        )(f)

    return decorate


def _selected(bind: str | None, all_binds: bool = False) -> list[Bind]:
    if all_binds:
        if bind is not None:
            raise click.UsageError("use either --bind NAME or --all-binds")
        return _binds(current_app)
    return [bind]


def _configs(directory: str | None, bind: str | None, all_binds: bool = False, *,
             connect: bool = True, headings: bool = True) -> Iterator[tuple[Bind, Any]]:
    """(bind, Config) for each selected bind; with several (and ``headings``), a heading line before each."""
    binds = _selected(bind, all_binds)
    for b in binds:
        config = bind_config(current_app, b, directory=_directory(directory), connect=connect)
        if headings and len(binds) > 1:
            click.echo(f"{bind_label(b).capitalize()} ({mask(config.url)}):")
        yield b, config


def _one(directory: str | None, bind: str | None, *, connect: bool = True) -> Any:
    return bind_config(current_app, bind, directory=_directory(directory), connect=connect)


def _note_other_binds(bind: str | None, all_binds: bool) -> None:
    """After working on the default bind only, say which binds were left out."""
    if bind is None and not all_binds:
        others = [b for b in _binds(current_app) if b is not None]
        if others:
            click.echo(f"(Other binds not included: {', '.join(others)}; use --bind NAME or --all-binds.)")


def _lines(lines: list[str], *, err: bool = False) -> None:
    for line in lines:
        click.echo(line, err=err)


def _show_event(event: Any) -> None:
    text = fmt.event_line(event)
    if text is not None:
        click.echo(text)


def _head(config: Any, ref: str) -> str:
    """``head`` → the single head's id (Flask-Migrate's default for show/edit); ``current`` → the database's."""
    if ref == "current":
        at = api.current(config)
        if len(at) != 1:
            where = f"at {', '.join(at)}" if at else "at base (nothing applied)"
            raise UnknownRevision("current", f"the database is {where}; name a revision")
        return at[0]
    if ref != "head":
        return ref
    heads = api.load_graph(config).heads()
    if not heads:
        raise UnknownRevision("head", "there are no migrations yet")
    if len(heads) > 1:
        raise MultipleHeads(list(heads))
    return heads[0]


# --- commands ---------------------------------------------------------------------


@db_group.command()
@click.option("-d", "--directory", type=click.Path(file_okay=False), help="Migrations directory to create.")
@click.option("--multidb", is_flag=True, help="Accepted for Flask-Migrate users: binds always get their own directory.")
@_refused("-t", "--template", takes_value=True,
          reason="there are no templates: migrations are plain Python files; leave it out")
@_refused("--package", reason="the migrations directory needs no __init__.py; leave it out")
@_friendly
def init(directory: str | None, multidb: bool) -> None:
    """Create the migrations directory (and one per bind). Nothing else: no env.py, no alembic.ini."""
    app = current_app
    binds = _binds(app)
    for bind in [None] + [b for b in binds if b is not None]:
        folder = migrations_directory(app, bind, _directory(directory))
        existed = folder.is_dir()
        folder.mkdir(parents=True, exist_ok=True)
        click.echo(f"{'Exists ' if existed else 'Created'} {folder}/ ({bind_label(bind)})")
    click.echo("No env.py or alembic.ini: the database URLs and the models come from the app.")
    click.echo(f"Next: flask {_command_name()} migrate -m \"initial\"")


def _revision(message: str, autogenerate: bool, renames: tuple[str, ...], no_input: bool,
              directory: str | None, bind: str | None, all_binds: bool) -> None:
    interactive = autogenerate and not no_input and _interactive()
    ask = (lambda candidate: click.confirm(fmt.rename_question(candidate), default=False)) if interactive else None
    for _, config in _configs(directory, bind, all_binds, connect=autogenerate):
        result = api.revision(config, message, autogenerate=autogenerate, renames=renames, ask=ask)
        _lines(fmt.revision_lines(result))
        _lines([f"Warning: {text}" for text in fmt.possible_rename_lines(result)], err=True)
        if autogenerate and result.path is None and not api.load_graph(config) and config.metadata_object.tables:
            click.echo(
                "The database already has the models' tables but there are no migrations yet. To adopt it, "
                f"generate the first migration against an empty database, then run 'flask {_command_name()} "
                "stamp head' here."
            )
    if autogenerate:
        _note_other_binds(bind, all_binds)


def _revision_options(f: Callable[..., Any]) -> Callable[..., Any]:
    for decorate in reversed([
        click.option("-m", "--message", default="", help="What the migration does."),
        click.option("--rename", "renames", multiple=True, metavar="OLD:NEW",
                     help="Declare a rename: old_table:new_table or table.old_column:new_column (repeatable)."),
        click.option("--no-input", is_flag=True, help="Never ask questions (possible renames are reported)."),
        _refused("--sql", reason="this writes a migration file; see its SQL with 'flask db upgrade --sql'"),
        _refused("--head", takes_value=True, reason=_NO_LABELS, harmless="head"),
        _refused("--splice", reason=_NO_LABELS),
        _refused("--branch-label", takes_value=True, reason=_NO_LABELS),
        _refused("--version-path", takes_value=True,
                 reason="each bind's migrations live in one directory; choose it with -d DIRECTORY or --bind NAME"),
        _refused("--depends-on", takes_value=True, multiple=True, reason=_NO_LABELS),
        _refused("--rev-id", takes_value=True, reason=_NO_REV_ID),
    ]):
        f = decorate(f)
    return f


@db_group.command()
@_revision_options
@click.option("--autogenerate", is_flag=True, help="Fill it from the differences between the models and the database.")
@_common(all_binds=True)
@_friendly
def revision(message: str, renames: tuple[str, ...], no_input: bool, autogenerate: bool,
             directory: str | None, bind: str | None, all_binds: bool) -> None:
    """Write a new migration (empty, to fill in by hand, unless --autogenerate)."""
    _revision(message, autogenerate, renames, no_input, directory, bind, all_binds)


@db_group.command()
@_revision_options
@_refuse_x
@_common(all_binds=True)
@_friendly
def migrate(message: str, renames: tuple[str, ...], no_input: bool,
            directory: str | None, bind: str | None, all_binds: bool) -> None:
    """Write a migration from the differences between the models and the database (revision --autogenerate)."""
    _revision(message, True, renames, no_input, directory, bind, all_binds)


def _run(direction: str, target: str, sql: bool, directory: str | None, bind: str | None, all_binds: bool,
         *, as_json: bool = False, yes: bool = False, **options: Any) -> None:
    """Upgrade or downgrade each selected bind, with the ``dbshift`` command's progress, JSON and confirmation."""
    if sql and any(options.values()):
        raise click.UsageError("--sql prints SQL for a START:END range; it takes no run options")
    options = {k: v for k, v in options.items() if v not in (None, False, ())}
    run = api.upgrade if direction == "up" else api.downgrade
    if sql:
        for b, config in _configs(directory, bind, all_binds, connect=False):
            if all_binds:
                click.echo(f"-- {bind_label(b)}")
            click.echo(run(config, target, sql=True).sql or "", nl=False)
        return
    output = console.Output(sys.stdout, sys.stderr, sys.stdin)
    try:
        for b, config in _configs(directory, bind, all_binds, headings=not as_json):
            if as_json and all_binds:  # which database the following events are about
                click.echo(json.dumps({"event": "bind", "bind": b, "database": mask(config.url)}))
            confirm = None
            if _interactive() and not yes and not options.get("dry_run") and not is_local(config.url):
                confirm = console.confirm_plan(output, config.url, direction, as_json)
            progress = console.JsonEvents(output) if as_json else console.TextProgress(output)
            try:
                result = run(config, target, emit=progress, confirm=confirm, **options)
            finally:
                progress.close()
            if as_json:
                click.echo(json.dumps(console.result_json(result)))
            else:
                _lines(fmt.plan_lines(result) if result.dry_run else fmt.run_lines(result))
    except DbshiftError as exc:
        if as_json:  # like 'dbshift --json': the error as a last JSON line too
            message = for_flask(str(exc), _command_name())
            click.echo(json.dumps({"event": "error", "type": type(exc).__name__, "message": message}))
        raise
    if not as_json:
        _note_other_binds(bind, all_binds)


def _run_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """dbshift's own run options (see ``api.upgrade``)."""
    for decorate in reversed([
        click.option("--dry-run", is_flag=True, help="Show the statements each migration would run; change nothing."),
        click.option("-y", "--yes", is_flag=True,
                     help="Do not ask for confirmation (databases on another host, in a terminal)."),
        click.option("--json", "as_json", is_flag=True, help="Print one JSON object per event, one per line."),
        click.option("--resume", is_flag=True, help="Continue a migration that failed part-way, after its last committed statement."),
        click.option("--single-transaction", is_flag=True, help="The whole run in one transaction (PostgreSQL, SQLite)."),
        click.option("--accept-checksum", "accept_checksums", multiple=True, metavar="REV",
                     help="Accept the edited file of an applied migration as it is now (repeatable)."),
        click.option("--lock-wait", metavar="DURATION", help="How long to wait for another run's lock (e.g. 30s, 2min)."),
        click.option("--lock-timeout", metavar="DURATION", help="The database session's lock timeout during the run."),
        click.option("--statement-timeout", metavar="DURATION", help="The database session's statement timeout."),
    ]):
        f = decorate(f)
    return f


_refuse_tag = _refused("--tag", takes_value=True, reason=_NO_ENV)


@db_group.command()
@click.argument("revision", default="head")
@click.option("--sql", is_flag=True, help="Print the SQL instead of running it (target START:END).")
@_run_options
@_refuse_tag
@_refuse_x
@_common(all_binds=True)
@_friendly
def upgrade(revision: str, sql: bool, directory: str | None, bind: str | None, all_binds: bool,
            **options: Any) -> None:
    """Apply migrations up to REVISION (default: head; also heads, +N, a revision id or prefix)."""
    _run("up", revision, sql, directory, bind, all_binds, **options)


@db_group.command(context_settings={"ignore_unknown_options": True})  # so that '-2' reaches REVISION
@click.argument("revision", default="-1")
@click.option("--sql", is_flag=True, help="Print the SQL instead of running it (target START:END).")
@_run_options
@_refuse_tag
@_refuse_x
@_common()
@_friendly
def downgrade(revision: str, sql: bool, directory: str | None, bind: str | None, **options: Any) -> None:
    """Un-apply migrations down to REVISION (default: -1; also -N, base, a revision id or prefix)."""
    if revision.startswith("-") and not re.fullmatch(r"-[0-9]+(:.*)?", revision):
        raise click.NoSuchOption(revision)
    _run("down", revision, sql, directory, bind, False, **options)


@db_group.command()
@click.option("-v", "--verbose", is_flag=True, help="Also the database (password hidden) and what is pending.")
@_common(all_binds=True)
@_friendly
def current(verbose: bool, directory: str | None, bind: str | None, all_binds: bool) -> None:
    """The revision(s) the database is at."""
    for _, config in _configs(directory, bind, all_binds):
        status = api.status(config)
        if verbose:
            click.echo(f"Database: {mask(config.url)} (from {config.url_source})")
            click.echo(f"Migrations: {config.migrations}/")
        _lines(fmt.current_lines(status, api.load_graph(config)))
        if verbose and status.pending:
            click.echo(f"{len(status.pending)} migration(s) pending: {', '.join(status.pending)}")
        for row in status.unfinished:
            click.echo(f"Unfinished: {row.revision} ({row.status} during {row.direction}grade); "
                       f"see 'flask {_command_name()} upgrade --resume'")
        if status.edited:
            click.echo(f"Edited since applied: {', '.join(status.edited)}")


@db_group.command()
@click.option("-r", "--rev-range", metavar="START:END",
              help="Only these revisions: e.g. -3:current, base:head, REV: (ends: base, head, current, REV, -N, +N).")
@click.option("-v", "--verbose", is_flag=True, help="Also each migration's file.")
@click.option("-i", "--indicate-current", is_flag=True, help="Accepted: the current revision is always marked.")
@_common()
@_friendly
def history(rev_range: str | None, verbose: bool, indicate_current: bool, directory: str | None,
            bind: str | None) -> None:
    """Every revision (or those in a range), newest first; * marks the applied ones."""
    config = _one(directory, bind)
    try:
        entries = api.history_entries(config, rev_range=rev_range)
    except DatabaseUnreachable as exc:  # the files alone still tell the history, as Flask-Migrate's does
        entries = api.history_entries(config, with_database=False, rev_range=rev_range)
        click.echo(f"Note: applied revisions are not marked: {exc}", err=True)
    if rev_range is not None and not entries:
        click.echo(f"No revisions in range {rev_range}.")
        return
    _lines(fmt.history_lines(entries, verbose=verbose))


@db_group.command()
@click.option("-v", "--verbose", is_flag=True, help="Also each head's file.")
@click.option("--resolve-dependencies", is_flag=True, help="Accepted: there are no cross-branch dependencies.")
@_common()
@_friendly
def heads(verbose: bool, resolve_dependencies: bool, directory: str | None, bind: str | None) -> None:
    """The latest revision(s); more than one means the history forked ('flask db merge')."""
    config = _one(directory, bind, connect=False)
    _lines(fmt.heads_lines(api.heads(config), verbose=verbose))


@db_group.command()
@click.option("-v", "--verbose", is_flag=True, help="Also each branch point's file.")
@_common()
@_friendly
def branches(verbose: bool, directory: str | None, bind: str | None) -> None:
    """Revisions where the history forks."""
    config = _one(directory, bind, connect=False)
    graph = api.load_graph(config)
    points = [rid for rid in graph.topological() if len(graph.children(rid)) > 1]
    if not points:
        click.echo("No branch points: the history is linear.")
    for rid in points:
        _lines(fmt.heads_lines([graph.get(rid)], verbose=verbose))
        for child in graph.children(rid):
            click.echo(f"    -> {fmt.short(graph.get(child))}")


@db_group.command()
@click.argument("revision", default="head")
@_common()
@_friendly
def show(revision: str, directory: str | None, bind: str | None) -> None:
    """One revision's operations (default: head; also current, a revision id or prefix)."""
    config = _one(directory, bind, connect=revision == "current")
    _lines(fmt.show_lines(api.show(config, _head(config, revision))))


@db_group.command()
@click.argument("revision", default="head")
@_common()
@_friendly
def edit(revision: str, directory: str | None, bind: str | None) -> None:
    """Open a migration file in $EDITOR (default: head; also current, a revision id or prefix)."""
    config = _one(directory, bind, connect=revision == "current")
    path = api.show(config, _head(config, revision)).revision.path
    click.edit(filename=path)


@db_group.command()
@click.argument("revision", default="head")
@click.option("--purge", is_flag=True, help="Accepted: stamp always replaces what the history table records.")
@_refused("--sql", reason="stamp only writes dbshift_history rows; run it against the database")
@click.option("--lock-wait", metavar="DURATION", help="How long to wait for another run's lock (default 60s).")
@_refuse_tag
@_common()
@_friendly
def stamp(revision: str, purge: bool, lock_wait: str | None, directory: str | None, bind: str | None) -> None:
    """Record the database as being at REVISION (default: head) without running any migration."""
    config = _one(directory, bind)
    _lines(fmt.stamp_lines(api.stamp(config, revision, emit=_show_event, **_wait(lock_wait))))


@db_group.command()
@click.argument("revisions", nargs=-1)
@click.option("-m", "--message", default="merge", help="What the merge is.")
@_refused("--branch-label", takes_value=True, reason=_NO_LABELS)
@_refused("--rev-id", takes_value=True, reason=_NO_REV_ID)
@_common()
@_friendly
def merge(revisions: tuple[str, ...], message: str, directory: str | None, bind: str | None) -> None:
    """Join several heads with an empty migration (default, or 'heads': all heads)."""
    config = _one(directory, bind, connect=False)
    revisions = () if revisions == ("heads",) else revisions  # 'flask db merge heads', the Alembic habit
    _lines(fmt.merge_lines(api.merge(config, message, revisions)))


@db_group.command()
@click.argument("revision")
@click.option("--onto", metavar="REV", help="The revision to build on (default: the other of two heads).")
@click.option("--no-db-check", is_flag=True,
              help="Do not read the database to check the branch is unapplied (when it is unreachable).")
@_common()
@_friendly
def rebase(revision: str, onto: str | None, no_db_check: bool, directory: str | None, bind: str | None) -> None:
    """Put an unapplied branch on top of the other head, so the history stays linear."""
    config = _one(directory, bind, connect=not no_db_check)
    _lines(fmt.rebase_lines(api.rebase(config, revision, onto, check_database=not no_db_check)))


@db_group.command()
@_common(all_binds=True)
@_friendly
def check(directory: str | None, bind: str | None, all_binds: bool) -> None:
    """Exit 2 if the models and the database (at head) differ."""
    differ = False
    for _, config in _configs(directory, bind, all_binds):
        result = api.check(config)
        _lines(fmt.check_lines(result))
        differ = differ or not result.ok
    _note_other_binds(bind, all_binds)
    if differ:
        raise click.exceptions.Exit(EXIT_DIFFERENCES)


@db_group.command()
@click.argument("revisions", nargs=-1)
@click.option("--all", "every", is_flag=True, help="Every migration file (default: those not yet applied).")
@click.option("--ignore", multiple=True, metavar="CODE", help="Leave out a lint code such as DS106 (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as one JSON object.")
@_common()
@_friendly
def lint(revisions: tuple[str, ...], every: bool, ignore: tuple[str, ...], as_json: bool, directory: str | None,
         bind: str | None) -> None:
    """Name the operations that lose data or hold long locks; exit 2 when there are any."""
    config = _one(directory, bind, connect=not (every or revisions))
    codes = [code.strip() for item in ignore for code in item.split(",") if code.strip()]
    result = api.lint(config, list(revisions) or None, every=every, ignore=codes)
    if as_json:
        click.echo(json.dumps(console.lint_json(result)))
    else:
        _lines(fmt.lint_lines(result))
    if result.findings:
        raise click.exceptions.Exit(EXIT_DIFFERENCES)


@db_group.command()
@click.argument("revision")
@click.option("--applied", "outcome", flag_value="applied", help="All of its changes are in the database now.")
@click.option("--rolled-back", "outcome", flag_value="rolled-back", help="None of them are: it is pending again.")
@click.option("--lock-wait", metavar="DURATION", help="How long to wait for another run's lock.")
@_common()
@_friendly
def resolve(revision: str, outcome: str | None, lock_wait: str | None, directory: str | None, bind: str | None) -> None:
    """Record how a failed or interrupted migration ended, after repairing it by hand."""
    if outcome is None:
        raise click.UsageError("say how it ended: --applied or --rolled-back")
    config = _one(directory, bind)
    _lines(fmt.resolve_lines(api.resolve(config, revision, outcome, emit=_show_event, **_wait(lock_wait))))


@db_group.command()
@click.argument("revisions", nargs=-1, required=True)
@click.option("--lock-wait", metavar="DURATION", help="How long to wait for another run's lock.")
@_common()
@_friendly
def accept(revisions: tuple[str, ...], lock_wait: str | None, directory: str | None, bind: str | None) -> None:
    """Accept edits to applied migrations: record their files' checksums as they are now."""
    config = _one(directory, bind)
    _lines(fmt.accept_lines(api.accept(config, revisions, emit=_show_event, **_wait(lock_wait))))


def _wait(lock_wait: str | None) -> dict[str, float]:
    return {"lock_wait": parse_duration(lock_wait) / 1000} if lock_wait else {}


@db_group.command("list-templates")
def list_templates() -> None:
    """Flask-Migrate's templates: dbshift has none."""
    click.echo("dbshift has no templates: migrations are plain Python files and there is no env.py to keep in sync.")


__all__ = ["db_group", "CommandFailed"]
