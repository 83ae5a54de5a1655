"""The ``flask db`` command group: Flask-Migrate's verbs and options on top of :mod:`dbshift.api`.

Binds.  As in Flask-Migrate's multi-database mode, ``migrate`` (and ``revision
--autogenerate``), ``upgrade``, ``downgrade``, ``current``, ``check`` and
``stamp`` act on every bind — the default database first, then each bind of
``SQLALCHEMY_BINDS`` by name, each with its own migrations folder and history
table — and ``--bind NAME`` narrows them to one (``--all-binds`` is accepted:
it is what they do anyway).  Among several binds, one with neither models nor
migrations (a database the app only reads) is left alone, and ``downgrade``
passes over a bind with nothing applied.  The other commands (``history``,
``heads``, ``show``, ``merge``, a hand-written ``revision``, ...) work on the
default bind unless ``--bind NAME`` names another.

Text comes from :mod:`dbshift.console`, the same words as the ``dbshift``
command, and the run options are the same (``--dry-run``, ``--json``,
``--yes``, ``--resume``, ...).  Any dbshift error is one ``Error:`` line on
stderr and a non-zero exit; options of Flask-Migrate that have no meaning here
are refused the same way, saying what to do instead.  As in Flask-Migrate 4,
``-d DIR`` may also come before the command (``flask db -d DIR upgrade``) or
from ``$FLASK_DB_DIRECTORY``.  ``downgrade --sql`` without a range prints the
downgrade of the head revision (``head:-1``), as Flask-Migrate does.
"""

from __future__ import annotations

import contextvars
import functools
import json
import re
import sys
from typing import Any, Callable, Iterator

import click
from flask import current_app
from flask.cli import AppGroup

from .. import api
from ..console import commands as run
from ..console import words
from ..console.failures import debugging, is_bug, report
from ..console.output import Output, printable
from ..console.run_options import LOCK_WAIT, RUN_FLAGS, RunFlag, split
from ..core.durations import seconds
from ..core.errors import DbshiftError, UnknownRevision, command, for_program
from ..database.connect import password_prompt
from ..database.secrets import mask
from ..project.config import Config
from .app import bind_config, binds, explained, migrations_directory, state_of
from .errors import Bind, bind_label
from ..core.values import frozen


class CommandFailed(click.ClickException):
    """One ``Error: ...`` line on stderr and the given exit code (a refused option: 2)."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _command_name() -> str:
    return state_of(current_app).command


def _output() -> Output:
    """This command's streams (Click's, so that tests capture them), naming commands ``flask <group> …``."""
    return Output(sys.stdout, sys.stderr, sys.stdin, program=f"flask {_command_name()}", error_prefix="Error: ")


# The bind a command is working on (and its Config), so that a privilege it lacks can say how to get one.
_working_on: contextvars.ContextVar[tuple[Bind, Config] | None] = contextvars.ContextVar(
    "dbshift_flask_bind", default=None
)


def _friendly(f: Callable[..., int | None]) -> Callable[..., None]:
    """Run a command body ``f(output, **options)``: its exit code ends the command, and any failure is
    one line (never a traceback, never a password) with the error's exit code.

    A password the server wants is asked for on a terminal, once for the app (:func:`asking`).
    """

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        from ..console.prompts import ask_password

        output = _output()
        prompt = ask_password(output, state_of(current_app).passwords) if output.interactive else None
        token, working = password_prompt.set(prompt), _working_on.set(None)
        try:
            code = f(output, *args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:  # noqa: BLE001 - every failure is one line; DBSHIFT_DEBUG shows bugs in full
            if is_bug(exc) and debugging():
                raise
            where = _working_on.get()
            code = report(output, explained(exc, *where) if where else exc, as_json=bool(kwargs.get("as_json")))
        finally:
            _working_on.reset(working)
            password_prompt.reset(token)
            output.flush()
        if code:
            raise click.exceptions.Exit(code)

    return wrapper


def _refused(*decls: str, reason: str, takes_value: bool = False, multiple: bool = False,
             harmless: str | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A hidden Flask-Migrate option that makes no sense here: using it is one ``Error:`` line (exit 2)
    with ``reason``, which says what to do instead.

    ``harmless``: the one value that asks for what dbshift does anyway (``--head head``): accepted.
    """

    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> None:
        if value not in (None, False, (), harmless):
            group = ctx
            while group.parent is not None and group.command is not db_group:
                group = group.parent
            text = for_program(reason, f"flask {group.info_name}")  # Migrate(command=...)
            raise CommandFailed(f"{param.opts[-1]} is not supported by dbshift: {text}", 2)

    return click.option(
        *decls, is_flag=not takes_value, multiple=multiple, hidden=True, expose_value=False, callback=callback,
        default=None if takes_value and not multiple else (() if multiple else False),
    )


_NO_ENV = "there is no env.py to read it; leave it out and put settings in the app's config"
_NO_LABELS = (
    f"a new migration always builds on the single head (use {command('merge')} to join heads); "
    "each bind has its own directory (--bind NAME)"
)
_NO_REV_ID = "dbshift names revisions '<UTC time>_<hex>' so that migration files sort in creation order; leave it out"
_DIRECTORY = "dbshift.directory"  # ctx.meta key: the group's -d, the default of every command's -d

_refuse_x = _refused("-x", "--x-arg", takes_value=True, multiple=True, reason=_NO_ENV)


class UsageFailed(CommandFailed):
    """Click's own usage error (an unknown option or command, a missing or extra argument), as one
    ``Error:`` line with control characters escaped, exit code 2."""

    def __init__(self, error: click.UsageError) -> None:
        text = printable(error.format_message())
        if error.ctx is not None:
            text = text.rstrip(".")
            text += f" (see '{printable(error.ctx.command_path)} --help')"
        super().__init__(text, error.exit_code)


class DbGroup(AppGroup):
    """The ``db`` group: a usage error, while reading the group's arguments or a command's, is one line."""

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as error:
            raise UsageFailed(error) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as error:
            raise UsageFailed(error) from None


@click.group("db", cls=DbGroup)
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


@frozen
class Where:
    """Which binds a command works on and where their migrations are: ``-d`` (the command's, else the
    group's), ``--bind``, and (``all_binds``) whether it is a command that works on every bind."""

    directory: str | None = None
    bind: str | None = None
    all_binds: bool = False


def _common(all_binds: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``-d/--directory`` and ``--bind`` for every command that works on a bind, handed to the command as
    one ``where`` value.  ``all_binds``: the command works on every bind unless ``--bind`` names one (and
    takes ``--all-binds``, which says so)."""

    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(f)
        def with_where(*args: Any, directory: str | None, bind: str | None, **kwargs: Any) -> Any:
            if kwargs.pop("all_binds", False) and bind is not None:
                raise click.UsageError("use either --bind NAME or --all-binds")
            return f(*args, where=Where(_directory(directory), bind, all_binds and bind is None), **kwargs)

        command = with_where
        bind_help = "The Flask-SQLAlchemy bind (default: the default bind)."
        if all_binds:
            command = click.option("--all-binds", is_flag=True,
                                   help="Every bind, the default one first (what happens without --bind).")(command)
            bind_help = "Only this Flask-SQLAlchemy bind (default: every bind, the default one first)."
        command = click.option("--bind", metavar="NAME", help=bind_help)(command)
        return click.option(
            "-d", "--directory", type=click.Path(file_okay=False),
            help="Migrations directory (default: the one given to Migrate; 'migrations').",
        )(command)

    return decorate


def _selected(where: Where) -> list[Bind]:
    return binds(current_app) if where.all_binds else [where.bind]


def _configs(output: Output, where: Where, *, connect: bool = True, headings: bool = True,
             target: str | None = None) -> Iterator[tuple[Bind, Config]]:
    """(bind, Config) for each selected bind; with several (and ``headings``), a heading line before each.

    Among several binds, one with neither models nor migrations is left alone (said under its heading),
    and a ``target`` that names a revision (not head, base or -N) picks the binds whose history has it.
    """
    selected = _selected(where)
    if len(selected) > 1 and target is not None and not _SYMBOLIC.fullmatch(target):
        selected = _knowing(selected, where, target)
    for b in selected:
        config = bind_config(current_app, b, directory=where.directory, connect=connect)
        if headings and len(selected) > 1:
            output.line(f"{bind_label(b).capitalize()} ({mask(config.url)}):")
            output.named.add(config.url)  # the heading names it: no second line about it
        if len(selected) > 1 and _unmanaged(config):
            if headings:
                output.line("No models and no migrations: left alone.")
            continue
        _working_on.set((b, config))
        yield b, config


_SYMBOLIC = re.compile(r"heads?|base|current|[-+][0-9]+|.*:.*")  # targets every bind understands


def _knowing(selected: list[Bind], where: Where, target: str) -> list[Bind]:
    """The binds whose migrations define revision ``target``; none: the default bind's error says so."""
    knowing = []
    for b in selected:
        graph = api.load_graph(bind_config(current_app, b, directory=where.directory, connect=False))
        try:
            graph.resolve(target)
        except UnknownRevision:
            continue
        except DbshiftError:
            pass  # ambiguous: that bind's command says so
        knowing.append(b)
    return knowing or selected[:1]


def _unmanaged(config: Config) -> bool:
    """Neither models nor migrations: a database the app only reads, which every-bind commands leave alone."""
    if config.metadata_object.tables:  # type: ignore[attr-defined]
        return False
    return not config.migrations.is_dir() or not api.load_graph(config)


def _one(where: Where, *, connect: bool = True) -> Config:
    config = bind_config(current_app, where.bind, directory=where.directory, connect=connect)
    _working_on.set((where.bind, config))
    return config


def _head(config: Config, ref: str) -> str:
    """The one revision ``ref`` names: ``head`` (Flask-Migrate's default for show/edit), ``current`` (the
    database's), ``-1``, ``head-1``, an id or a prefix."""
    from ..core.ranges import needs_database, one_revision

    graph = api.load_graph(config)
    return one_revision(graph, ref, api.current(config) if needs_database(ref) else ())


def _worst(codes: list[int]) -> int:
    return max(codes, default=run.EXIT_OK)


# --- commands ---------------------------------------------------------------------


@db_group.command()
@click.option("-d", "--directory", type=click.Path(file_okay=False), help="Migrations directory to create.")
@click.option("--multidb", is_flag=True, help="Accepted for Flask-Migrate users: binds always get their own directory.")
@_refused("-t", "--template", takes_value=True,
          reason="there are no templates: migrations are plain Python files; leave it out")
@_refused("--package", reason="the migrations directory needs no __init__.py; leave it out")
@_friendly
def init(output: Output, directory: str | None, multidb: bool) -> int:
    """Create the migrations directory (and one per bind). Nothing else: no env.py, no alembic.ini."""
    app = current_app
    for bind in [None] + [b for b in binds(app) if b is not None]:
        folder = migrations_directory(app, bind, _directory(directory))
        existed = folder.is_dir()
        folder.mkdir(parents=True, exist_ok=True)
        output.line(f"{'Exists ' if existed else 'Created'} {folder}/ ({bind_label(bind)})")
    output.line("No env.py or alembic.ini: the database URLs and the models come from the app.")
    output.line(f"Next: {output.program} migrate -m \"initial\"")
    return run.EXIT_OK


def _revision(output: Output, message: str, autogenerate: bool, renames: tuple[str, ...], no_input: bool, where: Where,
              sql: bool = False) -> int:
    from ..console.prompts import ask_rename

    ask = ask_rename(output) if autogenerate and not no_input and output.interactive else None
    if not autogenerate:  # a migration written by hand is for one database: the default bind, or --bind
        where = Where(where.directory, where.bind)
    for _, config in _configs(output, where, connect=autogenerate):
        run.revision(output, config, message, autogenerate=autogenerate, renames=renames, ask=ask, sql=sql)
        if autogenerate and not api.load_graph(config) and config.metadata_object.tables:  # type: ignore[attr-defined]
            output.line(
                "The database already has the models' tables but there are no migrations yet. To adopt it, "
                f"generate the first migration against an empty database, then run '{output.program} "
                "stamp head' here."
            )
    return run.EXIT_OK


def _revision_options(f: Callable[..., Any]) -> Callable[..., Any]:
    decorators: list[Callable[[Callable[..., Any]], Callable[..., Any]]] = [
        click.option("-m", "--message", default="", help="What the migration does."),
        click.option("--rename", "renames", multiple=True, metavar="OLD:NEW",
                     help="Declare a rename: old_table:new_table or table.old_column:new_column (repeatable)."),
        click.option("--no-input", is_flag=True, help="Never ask questions (possible renames are reported)."),
        click.option("--sql", is_flag=True,
                     help="Write a .sql migration (autogenerated: the SQL for this bind's database)."),
        _refused("--head", takes_value=True, reason=_NO_LABELS, harmless="head"),
        _refused("--splice", reason=_NO_LABELS),
        _refused("--branch-label", takes_value=True, reason=_NO_LABELS),
        _refused("--version-path", takes_value=True,
                 reason="each bind's migrations live in one directory; choose it with -d DIRECTORY or --bind NAME"),
        _refused("--depends-on", takes_value=True, multiple=True, reason=_NO_LABELS),
        _refused("--rev-id", takes_value=True, reason=_NO_REV_ID),
    ]
    for decorate in reversed(decorators):
        f = decorate(f)
    return f


@db_group.command()
@_revision_options
@click.option("--autogenerate", is_flag=True, help="Fill it from the differences between the models and the database.")
@_common(all_binds=True)
@_friendly
def revision(output: Output, message: str, renames: tuple[str, ...], no_input: bool, sql: bool, autogenerate: bool,
             where: Where) -> int:
    """Write a new migration (empty, to fill in by hand, unless --autogenerate; --sql: a .sql file)."""
    return _revision(output, message, autogenerate, renames, no_input, where, sql)


@db_group.command()
@_revision_options
@_refuse_x
@_common(all_binds=True)
@_friendly
def migrate(output: Output, message: str, renames: tuple[str, ...], no_input: bool, sql: bool, where: Where) -> int:
    """Write a migration from the differences between the models and the database (revision --autogenerate;
    --sql: as a .sql file for this database)."""
    return _revision(output, message, True, renames, no_input, where, sql)


def _migrate(output: Output, direction: str, target: str, sql: bool, where: Where, **values: Any) -> int:
    """Upgrade or downgrade each selected bind: the ``dbshift`` command's run, progress, JSON and confirmation."""
    choices = split(values)
    several = len(_selected(where)) > 1
    if sql:
        if choices.given:
            raise click.UsageError("--sql prints SQL for a START:END range; it takes no run options")
        if direction == "down" and ":" not in target:  # Flask-Migrate's habit: the head revision's downgrade
            target = f"head:{target}"
        for b, config in _configs(output, where, connect=False, headings=False, target=target):
            if several and not api.load_graph(config):
                continue
            if several:
                output.line(f"-- {bind_label(b)}")
            run.sql(output, config, direction, target)
        return run.EXIT_OK
    for b, config in _configs(output, where, headings=not choices.as_json, target=target):
        if choices.as_json and several:  # which database the following events are about
            output.line(json.dumps({"event": "bind", "bind": b, "database": mask(config.url)}))
        if several and direction == "down" and not api.status(config).current:
            if not choices.as_json:
                output.line("Nothing applied: nothing to downgrade.")
            continue
        run.run(output, config, direction, target, choices)
    return run.EXIT_OK


def _click_option(flag: RunFlag, *, hidden: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """One shared run option as a Click option; its value stays as typed (parsed once, later)."""
    text = flag.help[0].upper() + flag.help[1:] + "."
    if flag.kind == "flag":
        return click.option(*flag.flags, flag.name, is_flag=True, help=text, hidden=hidden)
    return click.option(*flag.flags, flag.name, multiple=flag.kind == "repeated", metavar=flag.metavar, help=text,
                        hidden=hidden)


def _run_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """The run options both command lines offer (:data:`dbshift.console.run_options.RUN_FLAGS`)."""
    for flag in reversed(RUN_FLAGS):
        f = _click_option(flag)(f)
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
def upgrade(output: Output, revision: str, sql: bool, where: Where, **options: Any) -> int:
    """Apply migrations up to REVISION (default: head; also heads, +N, a revision id or prefix)."""
    return _migrate(output, "up", revision, sql, where, **options)


@db_group.command(context_settings={"ignore_unknown_options": True})  # so that '-2' reaches REVISION
@click.argument("revision", default="-1")
@click.option("--sql", is_flag=True,
              help="Print the SQL instead of running it (target START:END; alone: the head revision's downgrade).")
@_run_options
@_refuse_tag
@_refuse_x
@_common(all_binds=True)
@_friendly
def downgrade(output: Output, revision: str, sql: bool, where: Where, **options: Any) -> int:
    """Un-apply migrations down to REVISION (default: -1; also -N, base, a revision id or prefix)."""
    if revision.startswith("-") and not re.fullmatch(r"-[0-9]+(:.*)?", revision):
        raise click.NoSuchOption(revision)
    return _migrate(output, "down", revision, sql, where, **options)


@db_group.command()
@click.option("-v", "--verbose", is_flag=True, help="Also the database (password hidden) and what is pending.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (it names the database, password hidden).")
@_common(all_binds=True)
@_friendly
def current(output: Output, verbose: bool, as_json: bool, where: Where) -> int:
    """The revision(s) the database is at."""
    for _, config in _configs(output, where, headings=not as_json):
        run.current(output, config, verbose=verbose, as_json=as_json)
    return run.EXIT_OK


@db_group.command()
@click.option("-r", "--rev-range", metavar="START:END",
              help="Only these revisions: e.g. -3:current, base:head, REV: (ends: base, head, current, REV, -N, +N).")
@click.option("-v", "--verbose", is_flag=True,
              help="Also each migration's file, when it was written, and when, how fast and by whom it was applied.")
@click.option("-i", "--indicate-current", is_flag=True, help="Accepted: the current revision is always marked.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (it names the database, password hidden).")
@_common()
@_friendly
def history(output: Output, rev_range: str | None, verbose: bool, indicate_current: bool, as_json: bool,
            where: Where) -> int:
    """Every revision (or those in a range), newest first; * marks the applied ones (a graph when forked)."""
    return run.history(output, _one(where), rev_range=rev_range, verbose=verbose, as_json=as_json)


@db_group.command()
@click.option("-v", "--verbose", is_flag=True, help="Also each head's file.")
@click.option("--resolve-dependencies", is_flag=True, help="Accepted: there are no cross-branch dependencies.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (it names the database, password hidden).")
@_common()
@_friendly
def heads(output: Output, verbose: bool, resolve_dependencies: bool, as_json: bool, where: Where) -> int:
    """The latest revision(s); more than one means the history forked ('flask db merge')."""
    return run.heads(output, _one(where, connect=False), verbose=verbose, as_json=as_json)


@db_group.command()
@click.option("-v", "--verbose", is_flag=True, help="Also each branch point's file.")
@_common()
@_friendly
def branches(output: Output, verbose: bool, where: Where) -> int:
    """Revisions where the history forks."""
    graph = api.load_graph(_one(where, connect=False))
    points = [rid for rid in graph.topological() if len(graph.children(rid)) > 1]
    if not points:
        output.line("No branch points: the history is linear.")
    for rid in points:
        output.lines(words.heads_lines([graph.get(rid)], verbose=verbose))
        output.lines([f"    -> {words.short(graph.get(child))}" for child in graph.children(rid)])
    return run.EXIT_OK


@db_group.command()
@click.argument("revision", default="head")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (it names the database, password hidden).")
@_common()
@_friendly
def show(output: Output, revision: str, as_json: bool, where: Where) -> int:
    """One revision, every statement of its upgrade and downgrade (default: head; also current, -1, head-1,
    a revision id or prefix)."""
    from ..core.ranges import needs_database

    return run.show(output, _one(where, connect=needs_database(revision)), revision, as_json=as_json)


@db_group.command()
@click.argument("revision", default="head")
@_common()
@_friendly
def edit(output: Output, revision: str, where: Where) -> int:
    """Open a migration file in $EDITOR (default: head; also current, a revision id or prefix)."""
    from ..core.ranges import needs_database

    config = _one(where, connect=needs_database(revision))
    click.edit(filename=api.load_graph(config).get(_head(config, revision)).path)
    return run.EXIT_OK


@db_group.command()
@click.argument("revision", default="head")
@click.option("--purge", is_flag=True, help="Accepted: stamp always replaces what the history table records.")
@_refused("--sql", reason="stamp only writes dbshift_history rows; run it against the database")
@_click_option(LOCK_WAIT)
@_refuse_tag
@_common(all_binds=True)
@_friendly
def stamp(output: Output, revision: str, purge: bool, lock_wait: str | None, where: Where) -> int:
    """Record the database as being at REVISION (default: head) without running any migration."""
    for _, config in _configs(output, where, target=revision):
        run.stamp(output, config, revision, lock_wait=seconds(lock_wait))
    return run.EXIT_OK


@db_group.command()
@click.option("--dry-run", "step", flag_value="plan", help="Show what would be recorded; change nothing.")
@click.option("--undo", "step", flag_value="undo", help="Remove what adopt recorded (before dbshift runs anything).")
@click.option("--confirm", "step", flag_value="confirm", help="Drop alembic_version: dbshift alone keeps the history.")
@click.option("--version-table", metavar="NAME",
              help="Alembic's version table (default: as env.py configures it, else alembic_version).")
@click.option("-y", "--yes", is_flag=True, help="Do not ask before recording.")
@_click_option(LOCK_WAIT)
@_common()
@_friendly
def adopt(output: Output, step: str | None, version_table: str | None, yes: bool, lock_wait: str | None,
          where: Where) -> int:
    """Take over a database Flask-Migrate migrated: record its alembic_version in dbshift's history."""
    return run.adopt(output, _one(where), step, version_table=version_table, yes=yes, lock_wait=seconds(lock_wait))


@db_group.command()
@click.argument("revisions", nargs=-1)
@click.option("-m", "--message", default="merge", help="What the merge is.")
@_refused("--branch-label", takes_value=True, reason=_NO_LABELS)
@_refused("--rev-id", takes_value=True, reason=_NO_REV_ID)
@_common()
@_friendly
def merge(output: Output, revisions: tuple[str, ...], message: str, where: Where) -> int:
    """Join several heads with an empty migration (default, or 'heads': all heads)."""
    revisions = () if revisions == ("heads",) else revisions  # 'flask db merge heads', the Alembic habit
    return run.merge(output, _one(where, connect=False), message, revisions)


@db_group.command()
@click.argument("revision")
@click.option("--onto", metavar="REV", help="The revision to build on (default: the other of two heads).")
@click.option("--no-db-check", is_flag=True,
              help="Do not read the database to check the branch is unapplied (when it is unreachable).")
@_common()
@_friendly
def rebase(output: Output, revision: str, onto: str | None, no_db_check: bool, where: Where) -> int:
    """Put an unapplied branch on top of the other head, so the history stays linear."""
    config = _one(where, connect=not no_db_check)
    return run.rebase(output, config, revision, onto, check_database=not no_db_check)


@db_group.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (it names the database, password hidden).")
@_common(all_binds=True)
@_friendly
def check(output: Output, as_json: bool, where: Where) -> int:
    """Exit 2 if the models and the database (at head) differ."""
    configs = _configs(output, where, headings=not as_json)
    return _worst([run.check(output, config, as_json=as_json) for _, config in configs])


@db_group.command()
@click.argument("revisions", nargs=-1)
@click.option("--all", "every", is_flag=True, help="Every migration file (default: those not yet applied).")
@click.option("--ignore", multiple=True, metavar="CODE", help="Leave out a lint code such as DS106 (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as one JSON object.")
@_common()
@_friendly
def lint(output: Output, revisions: tuple[str, ...], every: bool, ignore: tuple[str, ...], as_json: bool, where: Where) -> int:
    """Name the operations that lose data or hold long locks; exit 2 when there are any."""
    config = _one(where, connect=not (every or revisions))
    return run.lint(output, config, revisions, every=every, ignore=ignore, as_json=as_json)


@db_group.command()
@click.argument("revision")
@click.option("--applied", "outcome", flag_value="applied", help="All of its changes are in the database now.")
@click.option("--rolled-back", "outcome", flag_value="rolled-back", help="None of them are: it is pending again.")
@_click_option(LOCK_WAIT)
@_common()
@_friendly
def resolve(output: Output, revision: str, outcome: str | None, lock_wait: str | None, where: Where) -> int:
    """Record how a failed or interrupted migration ended, after repairing it by hand."""
    if outcome is None:
        raise click.UsageError("say how it ended: --applied or --rolled-back")
    return run.resolve(output, _one(where), revision, outcome, lock_wait=seconds(lock_wait))


@db_group.command()
@click.argument("revisions", nargs=-1, required=True)
@_click_option(LOCK_WAIT)
@_common()
@_friendly
def accept(output: Output, revisions: tuple[str, ...], lock_wait: str | None, where: Where) -> int:
    """Accept edits to applied migrations: record their files' checksums as they are now."""
    return run.accept(output, _one(where), revisions, lock_wait=seconds(lock_wait))


@db_group.command("list-templates")
def list_templates() -> None:
    """Flask-Migrate's templates: dbshift has none."""
    click.echo("dbshift has no templates: migrations are plain Python files and there is no env.py to keep in sync.")


__all__ = ["db_group", "CommandFailed"]
