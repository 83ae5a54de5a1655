"""Comparing the models with the database (``check``); one database against another is :mod:`.diff`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core import ops as o
from ..core.graph import RevisionGraph
from ..core.model import Schema
from ..database import history
from ..project.config import Config
from ..sqla.dialect import server_dialect
from .context import applied_ids, connection, load_graph
from .records import history_problems
from .declared_objects import as_printed
from .results import CheckResult
from .schemas import (
    changes, check_writable, database_schema_for, dependants_of, excluded, has_models, model_schema, reading_ahead,
    undeclared, unverified, with_passengers,
)

if TYPE_CHECKING:
    import sqlalchemy as sa


def check(config: Config) -> CheckResult:
    """Everything CI should fail on: a forked history, migrations not applied, applied ones edited
    since or left unfinished, and models that differ from the database.  Models the database
    cannot hold as written (a name over its length limit) are refused, as autogenerate refuses them.

    The models are compared with the database as it is; while migrations are
    pending, the differences include their work.
    """
    graph = load_graph(config)
    with connection(config) as conn:
        rows = history.rows(conn)
        problems = history_problems(graph, rows, applied_ids(rows))
        if not has_models(config):  # migrations written in SQL alone: the history is all there is to check
            return CheckResult((), problems)
        dialect = server_dialect(conn.dialect)
        with reading_ahead(conn, config) as schema_for:
            model = model_schema(config, conn.dialect)
            check_writable(model, dialect)
            database = schema_for(model)
        model = as_printed(conn, model, database, excluded(config))
        created = objects_created(graph, conn.dialect) if undeclared(model, database) else ()
        target = with_passengers(model, database, created, manage=config.manage_objects)
        ops = changes(target, database, dialect)
        return CheckResult(ops, problems, dependants_of(conn, config, model, ops), unverified(config, dialect))


def objects_created(graph: RevisionGraph, dialect: sa.engine.Dialect) -> frozenset[str]:
    """The ids of the views, functions, triggers… the history's migrations create (and do not drop again)."""
    from .history_schema import replay

    return frozenset(x.id for x in replay(graph, dialect).declared.objects)


def database_schema(config: Config) -> tuple[Schema, str]:
    """The configured database's schema as ``check`` reads it (the default schema plus every schema the
    models use, when models are configured), and its dialect name."""
    with connection(config) as conn:
        dialect = server_dialect(conn.dialect)
        model = model_schema(config, conn.dialect) if has_models(config) else None
        return database_schema_for(conn, config, model), dialect


def schema_changes(current: Schema, target: Schema, dialect: str) -> tuple[o.Op, ...]:
    """The operations, in a runnable order, that turn schema ``current`` into ``target`` on ``dialect``."""
    return changes(target, current, dialect)
