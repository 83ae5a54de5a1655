"""A pytest plugin with the standard migration tests: one head, upgrade from empty, models match
head, and an up→down→up round trip of every revision.

Enable it in ``conftest.py`` and collect the tests in one test module::

    # conftest.py
    pytest_plugins = ["dbshift.testing"]

    # tests/test_migrations.py
    from dbshift.testing import *  # noqa: F401,F403 - test_single_head, test_upgrade_from_empty, …

The project is the ``[tool.dbshift]`` one at pytest's rootdir; override the
``dbshift_config`` fixture to test another.  The database is a fresh SQLite
file, or the URL given by ``--dbshift-url`` or ``$DBSHIFT_TEST_URL``: that one
must be empty (the tests refuse a database with tables) and is emptied again
after each test.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Iterator, NoReturn, TypeVar

import pytest

from . import api
from .project.config import Config, load_config
from .core import ops as o
from .core.errors import DbshiftError
from .core.graph import RevisionGraph
from .core.model import Schema
from .database.secrets import mask

__all__ = ["test_single_head", "test_upgrade_from_empty", "test_models_match_head", "test_up_down_up"]

URL_VARIABLE = "DBSHIFT_TEST_URL"
T = TypeVar("T")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--dbshift-url", default=None, help=f"an empty database for dbshift's migration tests "
                     f"(default: ${URL_VARIABLE}, else a temporary SQLite file)")


# --- fixtures -----------------------------------------------------------------------------


@pytest.fixture
def dbshift_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database: ``--dbshift-url``, ``$DBSHIFT_TEST_URL`` or a new SQLite file.

    A given database that has tables fails the test; what the test created in it is dropped afterwards.
    """
    url = request.config.getoption("--dbshift-url") or os.environ.get(URL_VARIABLE)
    if not url:
        yield f"sqlite:///{tmp_path / 'dbshift-test.db'}"
        return
    found = _call(f"reading {mask(url)}", _tables, url)
    if found:
        _fail(f"dbshift's migration tests need an empty database; {mask(url)} has tables: "
              f"{', '.join(found[:5])}{', …' if len(found) > 5 else ''}")
    yield url
    _call(f"emptying {mask(url)}", _empty, url)


@pytest.fixture
def dbshift_config(request: pytest.FixtureRequest, dbshift_database: str) -> Config:
    """The project at pytest's rootdir, on ``dbshift_database``.  Override it to test another project."""
    doing = "finding the project (override the dbshift_config fixture to name one)"
    return _call(doing, lambda: load_config(request.config.rootpath, url=dbshift_database))


# --- the tests ------------------------------------------------------------------------------


def test_single_head(dbshift_config: Config) -> None:
    """The migrations form one line of history: exactly one head."""
    heads = _call("reading the migrations", api.heads, dbshift_config)
    listed = "; ".join(f"{h.id} ({h.message})" for h in heads)
    if len(heads) != 1:
        _fail(f"the migrations in {dbshift_config.migrations} have {len(heads)} heads: {listed or 'none'}"
              + ("; join them with 'dbshift merge' or 'dbshift rebase'" if heads else ""))


def test_upgrade_from_empty(dbshift_config: Config) -> None:
    """Every migration applies, one at a time, to an empty database."""
    graph = _call("reading the migrations", api.load_graph, dbshift_config)
    for rev in graph.topological():
        _run(dbshift_config, "upgrade", rev, f"upgrading to {_named(graph, rev)}")
    pending = _call("reading the database's status", api.status, dbshift_config).pending
    if pending:
        _fail(f"after upgrading to every revision, {', '.join(pending)} still not applied")


def test_models_match_head(dbshift_config: Config) -> None:
    """Once every migration has run, the database's schema is the models' schema."""
    _run(dbshift_config, "upgrade", "head", "upgrading to head")
    ops = _call("comparing the models with the database", api.check, dbshift_config).ops
    if ops:
        _fail("the models differ from the schema the migrations build; 'dbshift revision --autogenerate' "
              "would write:\n" + _listed(ops))


def test_up_down_up(dbshift_config: Config) -> None:
    """Every revision's downgrade restores the schema before it, and upgrading again rebuilds the same schema."""
    before = _schema(dbshift_config)
    graph = _call("reading the migrations", api.load_graph, dbshift_config)
    for rev in graph.topological():
        name = _named(graph, rev)
        _run(dbshift_config, "upgrade", rev, f"upgrading to {name}")
        after = _schema(dbshift_config)
        _run(dbshift_config, "downgrade", "-1", f"downgrading {name}")
        _same(before, _schema(dbshift_config), f"downgrading {name} did not restore the schema before it")
        _run(dbshift_config, "upgrade", rev, f"upgrading to {name} again after its downgrade")
        _same(after, _schema(dbshift_config), f"upgrading to {name} again after its downgrade built another schema")
        before = after


# --- helpers -------------------------------------------------------------------------------


def _named(graph: RevisionGraph, rev: str) -> str:
    """``rev (message)``: how failures name a revision."""
    message = graph.get(rev).message
    return f"{rev} ({message})" if message else rev


def _call(doing: str, function: Callable[..., T], *args: object) -> T:
    """``function(*args)``; a dbshift error fails the test with ``doing`` and the error's one line,
    not a traceback (whose variables could show a URL's password)."""
    try:
        return function(*args)
    except DbshiftError as exc:
        error = exc
    _fail(f"{doing} failed: {error}")  # outside the except: no "during handling" chain in the report


def _run(config: Config, direction: str, target: str, doing: str) -> None:
    """``api.upgrade``/``api.downgrade`` to ``target``, failing the test as :func:`_call` does."""
    _call(doing, getattr(api, direction), config, target)


def _schema(config: Config) -> tuple[Schema, str]:
    """The database's schema (as ``dbshift check`` reads it) and its dialect."""
    return _call("reading the database's schema", api.database_schema, config)


def _same(expected: tuple[Schema, str], actual: tuple[Schema, str], what: str) -> None:
    """Fail with ``what`` and the operations that would turn ``actual`` into ``expected``."""
    ops = api.schema_changes(actual[0], expected[0], expected[1])
    if ops:
        _fail(f"{what}; to match it the database would need:\n{_listed(ops)}")


def _fail(message: str) -> NoReturn:
    """Fail the test with ``message`` alone: the report is the message, not dbshift's traceback."""
    pytest.fail(message, pytrace=False)


def _listed(ops: tuple[o.Op, ...]) -> str:
    return "\n".join(f"  - {op.describe()}" for op in ops)


def _tables(url: str) -> list[str]:
    """The tables of the database at ``url`` (its default schema)."""
    import sqlalchemy as sa

    with api.connection(_bare(url)) as conn:
        return sorted(sa.inspect(conn).get_table_names())


def _empty(url: str) -> None:
    """Drop every table (in foreign-key order) and PostgreSQL enum: the database was empty before the test."""
    import sqlalchemy as sa

    with api.connection(_bare(url)) as conn:
        metadata = sa.MetaData()
        metadata.reflect(conn)
        metadata.drop_all(conn)
        if conn.dialect.name == "postgresql":  # types a migration created outlive their tables
            for enum in sa.inspect(conn).get_enums():  # type: ignore[attr-defined]  # PostgreSQL's inspector
                conn.exec_driver_sql(f'DROP TYPE "{enum["name"]}"')
        conn.commit()


def _bare(url: str) -> Config:
    """A configuration with nothing but a URL, for :func:`api.connection`."""
    return Config(root=Path.cwd(), migrations=Path.cwd(), url=url, url_source="--dbshift-url")
