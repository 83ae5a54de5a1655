"""The objects the models declare beside their tables, as :class:`~dbshift.core.objects.DbObject` values.

Two sources: declarations (:mod:`dbshift.objects`: registered with the
``MetaData`` or listed in ``[tool.dbshift] objects``), and DDL attached to a
table or the metadata through SQLAlchemy events (``event.listen(table,
"after_create", DDL(...))``).  A statement of such DDL that creates a view,
function, procedure, trigger or named index is taken as declared; any other
(an ``ALTER TABLE``, a listener that is a Python function) is listed in
:attr:`ModelObjects.unverified`, as what dbshift cannot compare.

Each object is named as the readers of :mod:`dbshift.sqla.reflect.objects`
name them (``public.active_users``, ``touch on public.orders``); a function's
arguments are as written until the database says how it prints them.  Its
``create`` statements are the declared SQL; ``replace`` is its ``CREATE OR
REPLACE`` form where the database has one; ``definition`` is the declared SQL
until the database is asked (see :mod:`dbshift.api.declared_objects`).  An
index from DDL events has kind ``index`` and belongs to its table.
"""

from __future__ import annotations

import functools
import re
from typing import Any, Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.ddl import ExecutableDDLElement

from ..core.declarations import (
    REGISTRY_KEY, DECLARATION_TYPES, Declaration, MaterializedView, Part, Target, View, applies_to, statement_target,
    strip_comments, with_or_replace,
)
from ..core.model import qualified
from ..core.objects import DbObject
from ..core.sqltext import split_sql
from .dialect import DEFAULT_SCHEMA, MYSQL_FAMILY, server_dialect
from ..core.values import frozen


class NotOnThisDatabase(ValueError):
    """A declaration for a kind of object the database does not have (a materialized view on SQLite)."""

    def __init__(self, kind: str, name: str, dialect: str) -> None:
        self.kind, self.name, self.dialect = kind, name, dialect
        super().__init__(
            f"{kind} {name}: {dialect} has no {kind}s; declare it with dialect=\"postgresql\" (or the databases "
            "that have them)"
        )


@frozen
class ModelObjects:
    """``objects``: the declared views, functions, triggers… and indexes from DDL events, in declaration
    order; ``unverified``: what DDL events run that dbshift cannot compare, one description each."""

    objects: tuple[DbObject, ...] = ()
    unverified: tuple[str, ...] = ()


def model_objects(
    metadata: sa.MetaData, dialect: Dialect, declared: Iterable[Declaration] = (), exclude: Iterable[str] = ()
) -> ModelObjects:
    """The objects ``metadata`` declares on ``dialect`` (registered ones, then ``declared``, then DDL events
    of the tables not in ``exclude``), each once (by id)."""
    name = server_dialect(dialect)
    found: dict[str, DbObject] = {}
    for decl in [*metadata.info.get(REGISTRY_KEY, ()), *declared]:
        if not isinstance(decl, DECLARATION_TYPES):
            raise TypeError(f"not a view, function or trigger declaration: {decl!r}")
        if applies_to(decl.dialect, name):
            obj = declared_object(decl, dialect)
            found.setdefault(obj.id, obj)
    events, unverified = _ddl_events(metadata, dialect, frozenset(exclude))
    for obj in events:
        found.setdefault(obj.id, obj)
    return ModelObjects(tuple(found.values()), tuple(unverified))


# --- declarations -------------------------------------------------------------------------------


def declared_object(decl: Declaration, dialect: Dialect) -> DbObject:
    """``decl`` as a :class:`DbObject` for ``dialect``."""
    if isinstance(decl, View):
        return _view(decl, dialect)
    target = decl.target
    name = _given(decl.name, target.name[-1:])
    if decl.kind == "trigger":
        table = _given(getattr(decl, "table", None), target.table[-2:])
        return statement_object(target, decl.sql, dialect, name=name, table=table)
    schema = _given(getattr(decl, "schema", None), target.name[-2:-1])
    return statement_object(target, decl.sql, dialect, name=schema + name)


def _given(value: str | None, parsed: tuple[Part, ...]) -> tuple[Part, ...]:
    """The name parts ``parsed`` from the statement, or those of ``value`` given instead (taken exactly)."""
    if value is None:
        return ()
    if ".".join(p.text for p in parsed) == value:
        return parsed
    return tuple(Part(p, quoted=True) for p in value.split("."))


def _view(view: View, dialect: Dialect) -> DbObject:
    name = server_dialect(dialect)
    materialized = isinstance(view, MaterializedView)
    if materialized and name != "postgresql":
        raise NotOnThisDatabase(view.kind, view.name, name)
    preparer = dialect.identifier_preparer
    quoted = preparer.quote(view.name)
    if view.schema:
        quoted = f"{preparer.quote_schema(view.schema)}.{quoted}"
    query = strip_comments(view.definition)
    kind = "MATERIALIZED VIEW" if materialized else "VIEW"
    create = f"CREATE {kind} {quoted} AS {query}"
    if materialized and not view.with_data:  # type: ignore[attr-defined]  # a MaterializedView's own field
        create += " WITH NO DATA"
    replace = () if materialized or name == "sqlite" else (with_or_replace(create),)
    parts = (Part(view.schema, True),) if view.schema else ()
    return DbObject(
        view.kind, _object_name(parts + (Part(view.name, True),), name), (create,), (f"DROP {kind} {quoted}",),
        replace,
    )


def statement_object(
    target: Target, sql: str, dialect: Dialect, *, name: tuple[Part, ...] = (), table: tuple[Part, ...] = ()
) -> DbObject:
    """The object the ``CREATE`` statement ``sql`` (read as ``target``) makes on ``dialect``; ``name`` and
    ``table`` replace the statement's own."""
    db = server_dialect(dialect)
    name = name or target.name
    table = table or target.table
    create = strip_comments(sql)
    kind = target.kind
    if kind == "materialized view" and db != "postgresql":
        raise NotOnThisDatabase(kind, _dotted(name), db)
    quoted = _quoted(name, dialect)
    if kind in ("function", "procedure"):
        drop = f"DROP {kind.upper()} {quoted}"
        label = f"{_object_name(name, db)}({target.arguments or ''})" if db == "postgresql" else _object_name(name, db)
        return DbObject(kind, label, (create,), (drop,), _replace(target, create, db))
    if kind == "trigger":
        key = _table_key(table, db)
        if db == "postgresql":
            label = f"{_fold(name[-1], db)} on {_object_name(table, db)}"
            drop = f"DROP TRIGGER {_quoted(name[-1:], dialect)} ON {_quoted(table, dialect)}"
        else:
            label, drop = _object_name(name, db), f"DROP TRIGGER {quoted}"
        return DbObject(kind, label, (create,), (drop,), _replace(target, create, db), table=key)
    if kind == "index":
        key = _table_key(table, db)
        drop = f"DROP INDEX {quoted}" + (f" ON {_quoted(table, dialect)}" if db in MYSQL_FAMILY else "")
        return DbObject(kind, f"{_fold(name[-1], db)} on {key}", (create,), (drop,), table=key)
    word = "MATERIALIZED VIEW" if kind == "materialized view" else "VIEW"
    return DbObject(kind, _object_name(name, db), (create,), (f"DROP {word} {quoted}",), _replace(target, create, db))


def _replace(target: Target, create: str, db: str) -> tuple[str, ...]:
    """``CREATE OR REPLACE`` of ``create``, where ``db`` has it for the kind."""
    kind = target.kind
    if db == "sqlite" or kind in ("materialized view", "index") or target.constraint:
        return ()
    if db == "mysql" and kind != "view":
        return ()  # MySQL (unlike MariaDB) has OR REPLACE for views only
    return (with_or_replace(create),)


def _fold(part: Part, db: str) -> str:
    """A name part as the database keeps it: PostgreSQL folds an unquoted one to lower case."""
    return part.text if part.quoted or db != "postgresql" else part.text.lower()


def _object_name(name: tuple[Part, ...], db: str) -> str:
    """``schema.name`` on PostgreSQL (the default schema when none is written), the name elsewhere
    (qualified when a schema is written)."""
    folded = [_fold(p, db) for p in name[-2:]]
    if db == "postgresql" and len(folded) == 1:
        folded.insert(0, DEFAULT_SCHEMA["postgresql"] or "public")
    return ".".join(folded)


def _table_key(table: tuple[Part, ...], db: str) -> str:
    """The model key of ``table``: ``orders``, or ``audit.orders`` outside the default schema."""
    folded = [_fold(p, db) for p in table[-2:]]
    schema = folded[0] if len(folded) == 2 and folded[0] != DEFAULT_SCHEMA.get(db) else None
    return qualified(folded[-1], schema)


def _quoted(name: tuple[Part, ...], dialect: Dialect) -> str:
    preparer = dialect.identifier_preparer
    db = server_dialect(dialect)
    return ".".join(preparer.quote_identifier(_fold(p, db)) if p.quoted else p.text for p in name)


def _dotted(name: tuple[Part, ...]) -> str:
    return ".".join(p.text for p in name)


# --- DDL attached through SQLAlchemy events -----------------------------------------------------


_CREATE_EVENTS = ("before_create", "after_create")

_CLEARS = re.compile(r"^DROP\s+(?:\w+\s+){1,2}IF\s+EXISTS\b", re.I)


def _ddl_events(metadata: sa.MetaData, dialect: Dialect, exclude: frozenset[str]) -> tuple[list[DbObject], list[str]]:
    """The objects DDL listening to the creation of ``metadata`` and its tables creates, and what else
    such listeners do (described).  Listeners to drops undo what these create and are not read."""
    objects: list[DbObject] = []
    unverified: list[str] = []
    db = server_dialect(dialect)
    targets: list[tuple[Any, str]] = [(metadata, "the models' tables are created")]
    targets += [
        (t, f"table {qualified(t.name, t.schema)} is created") for t in metadata.tables.values() if t.name not in exclude
    ]
    for target, where in targets:
        for event in _CREATE_EVENTS:
            when = event.split("_")[0]
            for listener in getattr(target.dispatch, event):
                if _sqlalchemy_own(listener):
                    continue
                if not isinstance(listener, ExecutableDDLElement):
                    unverified.append(f"{_callable_name(listener)} runs {when} {where}")
                    continue
                runs = _runs_on(listener, target, dialect)
                if runs is False:
                    continue
                if runs is None:
                    unverified.append(f"DDL run {when} {where} on some databases: {_first_line(listener)}")
                    continue
                for statement in split_sql(_ddl_text(listener, target, dialect)):
                    if _CLEARS.match(strip_comments(statement)):
                        continue  # clears the way for what follows: nothing of it is left to compare
                    found = statement_target(statement)
                    if found is None or (found.kind == "materialized view" and db != "postgresql"):
                        unverified.append(f"DDL run {when} {where}: {_first_line(statement)}")
                    else:
                        objects.append(statement_object(found, statement, dialect))
    return objects, unverified


def _sqlalchemy_own(listener: Any) -> bool:
    """SQLAlchemy's own listeners (an Enum creating its type): what they make, the models state already."""
    fn = listener.func if isinstance(listener, functools.partial) else listener
    module = getattr(fn, "__module__", None) or type(fn).__module__
    return isinstance(module, str) and module.split(".")[0] == "sqlalchemy" and not isinstance(
        listener, ExecutableDDLElement
    )


def _runs_on(ddl: ExecutableDDLElement, target: Any, dialect: Dialect) -> bool | None:
    """Whether ``ddl.execute_if(...)`` runs it on ``dialect``; None when its condition needs a connection."""
    condition = getattr(ddl, "_ddl_if", None)
    if condition is None:
        return True
    try:
        compiler = dialect.ddl_compiler(dialect, None)  # type: ignore[arg-type]  # only lends its dialect
        return bool(condition._should_execute(ddl, target, None, compiler=compiler))
    except Exception:  # noqa: BLE001 - a condition of the application's own may need a live connection
        return None


def _ddl_text(ddl: ExecutableDDLElement, target: Any, dialect: Dialect) -> str:
    """The SQL ``ddl`` runs for ``target`` (``%(table)s`` and the like filled in), ``%`` as the database reads it."""
    bound = ddl.against(target) if isinstance(target, sa.Table) else ddl
    text = str(bound.compile(dialect=dialect))
    return text.replace("%%", "%") if dialect.identifier_preparer._double_percents else text


def _first_line(value: Any) -> str:
    text = str(getattr(value, "statement", value))
    line = " ".join(text.split())
    return line if len(line) <= 70 else line[:67] + "..."


def _callable_name(listener: Any) -> str:
    fn = listener.func if isinstance(listener, functools.partial) else listener
    name = getattr(fn, "__qualname__", None) or type(fn).__name__
    module = getattr(fn, "__module__", None)
    return f"{module}.{name}" if module else str(name)
