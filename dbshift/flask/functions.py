"""Flask-Migrate's module-level functions, for code that calls them inside an app context.

    from dbshift.flask import upgrade, stamp

    with app.app_context():
        upgrade()                       # what 'flask db upgrade' does: every bind to head
        stamp(revision="head")

Each one runs the ``flask db`` command of the same name for the current app,
with Flask-Migrate's signature, and prints what that command prints.  As with
Flask-Migrate, a failure prints one ``Error:`` line on stderr and exits with
``SystemExit`` (status 1; 2 for an argument dbshift cannot honour); for
exceptions instead, use :class:`~dbshift.flask.Migrate`'s methods or
:mod:`dbshift.api`.  Runs never stop to ask for a confirmation (Flask-Migrate's
never do); a password the server wants is still asked for on a terminal.

Arguments that only fed Alembic are accepted and change nothing: ``x_arg`` and
``tag`` (there is no ``env.py`` to read them), ``template`` and ``package``
(there are no templates, and the folder needs no ``__init__.py``), ``head``,
``splice``, ``branch_label``, ``version_path``, ``depends_on`` and ``rev_id``
(a new migration always builds on the single head of its bind's folder and is
named by dbshift), ``sql`` of ``revision``/``migrate`` (the file is written
either way), ``indicate_current`` (the applied revisions are always marked),
``resolve_dependencies``, ``purge`` (stamp always replaces what the history
records) and ``multidb`` (every bind always has its own folder).
``stamp(sql=True)`` is refused: it would write to the database when asked only
for a script.  ``directory`` is taken from the working directory, as ``-d`` is.
"""

from __future__ import annotations

import sys
from typing import Any, Iterable, NoReturn

__all__ = [
    "init", "revision", "migrate", "edit", "merge", "upgrade", "downgrade", "show", "history", "heads", "branches",
    "current", "stamp", "check", "list_templates",
]


def _run(name: str, **params: Any) -> None:
    """Run ``flask db <name>`` for the current app with ``params``; a failure is one line and ``SystemExit``."""
    import click
    from flask import current_app, has_app_context

    from .app import state_of
    from .commands import db_group

    if not has_app_context():
        _fail(f"dbshift.flask.{name}() needs an application context: call it inside 'with app.app_context():'", 1)
    try:
        group_name = state_of(current_app).command
    except Exception as exc:  # noqa: BLE001 - NotSetUp: Migrate(app, db) was never called for this app
        _fail(str(exc), 1)
    with click.Context(db_group, info_name=group_name) as root:
        try:
            root.invoke(db_group.commands[name], **params)
        except click.exceptions.Exit as exc:
            if exc.exit_code:
                raise SystemExit(exc.exit_code) from None
        except click.ClickException as exc:
            exc.show()
            raise SystemExit(exc.exit_code) from None


def _fail(message: str, code: int) -> NoReturn:
    print(f"Error: {message}", file=sys.stderr)
    raise SystemExit(code)


def _where(directory: Any) -> dict[str, Any]:
    return {"directory": None if directory is None else str(directory), "bind": None, "all_binds": False}


def init(directory: Any = None, multidb: bool = False, template: str | None = None, package: bool = False) -> None:
    """Create the migrations directory, and one per bind (``flask db init``)."""
    _run("init", directory=None if directory is None else str(directory), multidb=multidb)


def revision(directory: Any = None, message: str | None = None, autogenerate: bool = False, sql: bool = False,
             head: str = "head", splice: bool = False, branch_label: str | None = None,
             version_path: str | None = None, rev_id: str | None = None) -> None:
    """Write a new migration: empty (default bind), or filled from the models with ``autogenerate`` (every bind)."""
    _run("revision", message=message or "", autogenerate=autogenerate, renames=(), no_input=True, **_where(directory))


def migrate(directory: Any = None, message: str | None = None, sql: bool = False, head: str = "head",
            splice: bool = False, branch_label: str | None = None, version_path: str | None = None,
            rev_id: str | None = None, x_arg: Any = None) -> None:
    """Write a migration from the differences between the models and each bind's database (``flask db migrate``)."""
    _run("migrate", message=message or "", renames=(), no_input=True, **_where(directory))


def edit(directory: Any = None, revision: str = "current") -> None:
    """Open a migration file in ``$EDITOR`` (default: the one the database is at)."""
    _run("edit", revision=revision, **_where(directory))


def merge(directory: Any = None, revisions: str | Iterable[str] = "", message: str | None = None,
          branch_label: str | None = None, rev_id: str | None = None) -> None:
    """Join the heads (default, ``"heads"``, or the ``revisions`` named) with an empty migration."""
    named = tuple(revisions.split()) if isinstance(revisions, str) else tuple(revisions)
    _run("merge", revisions=named, message=message or "merge", **_where(directory))


def upgrade(directory: Any = None, revision: str = "head", sql: bool = False, tag: str | None = None,
            x_arg: Any = None) -> None:
    """Apply migrations up to ``revision`` on every bind (``sql``: print the SQL instead)."""
    _run("upgrade", revision=revision, sql=sql, yes=not sql, **_where(directory))


def downgrade(directory: Any = None, revision: str = "-1", sql: bool = False, tag: str | None = None,
              x_arg: Any = None) -> None:
    """Un-apply migrations down to ``revision`` on every bind (``sql`` alone: the head revision's downgrade)."""
    _run("downgrade", revision=revision, sql=sql, yes=not sql, **_where(directory))


def show(directory: Any = None, revision: str = "head") -> None:
    """Print one revision's operations."""
    _run("show", revision=revision, **_where(directory))


def history(directory: Any = None, rev_range: str | None = None, verbose: bool = False,
            indicate_current: bool = False) -> None:
    """Print every revision (or those in ``rev_range``), newest first."""
    _run("history", rev_range=rev_range, verbose=verbose, indicate_current=indicate_current, **_where(directory))


def heads(directory: Any = None, verbose: bool = False, resolve_dependencies: bool = False) -> None:
    """Print the latest revision(s)."""
    _run("heads", verbose=verbose, resolve_dependencies=resolve_dependencies, **_where(directory))


def branches(directory: Any = None, verbose: bool = False) -> None:
    """Print the revisions where the history forks."""
    _run("branches", verbose=verbose, **_where(directory))


def current(directory: Any = None, verbose: bool = False) -> None:
    """Print the revision each bind's database is at."""
    _run("current", verbose=verbose, **_where(directory))


def stamp(directory: Any = None, revision: str = "head", sql: bool = False, tag: str | None = None,
          purge: bool = False) -> None:
    """Record every bind's database as being at ``revision`` without running any migration."""
    if sql:
        _fail("stamp(sql=True) is not supported by dbshift: stamp only writes dbshift_history rows; "
              "call it without sql against the database", 2)
    _run("stamp", revision=revision, purge=purge, lock_wait=None, **_where(directory))


def check(directory: Any = None) -> None:
    """Exit 2 when the models and a database (at head) differ, as ``flask db check`` does; return otherwise."""
    _run("check", **_where(directory))


def list_templates() -> None:
    """Print that there are no templates."""
    _run("list-templates")
