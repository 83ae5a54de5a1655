"""MySQL/MariaDB views, triggers, procedures, functions and events, read as :class:`~dbshift.core.objects.DbObject` values.

Only the connection's current database (``DATABASE()``, the model's default
schema) is read, with one ``information_schema`` query per kind (routines'
parameters in one more); every statement is built from the catalog, never
from ``SHOW CREATE``:

* a view is ``CREATE [ALGORITHM=…] [SQL SECURITY INVOKER] VIEW v AS <the
  definition the server prints>[ WITH … CHECK OPTION]``, the server's
  `` `db`. `` prefixes taken out so that the same view in two databases reads
  the same; ``CREATE OR REPLACE`` changes any view in place;
* a trigger is ``CREATE TRIGGER t BEFORE|AFTER event ON table FOR EACH ROW
  [FOLLOWS previous] body``: a trigger that is not the first of its table,
  timing and event follows the one before it (and requires it, so that both
  are created again in their order);
* a function or procedure is written from its parameters (``IN``/``OUT``/
  ``INOUT``, the type the server prints, a character set or collation other
  than the database's), its result, ``DETERMINISTIC``, its SQL data access,
  ``SQL SECURITY INVOKER``, its comment and its body; MariaDB changes one in
  place with ``CREATE OR REPLACE``, MySQL drops it and creates it;
* an event is its schedule (``AT`` or ``EVERY … [STARTS …] [ENDS …]``),
  ``ON COMPLETION``, its status, comment and body; MariaDB changes one in
  place with ``CREATE OR REPLACE``, MySQL drops it and creates it.  A ``STARTS`` the server set itself (the moment the event
  was created or its schedule last changed) is not written nor compared: two
  databases made by the same script at different moments hold the same event.

No statement names a definer (the account may not exist on another server):
the account that runs them becomes the definer.  Bodies are compared as the
server keeps them, as they were typed, runs of white space counting as one
(as a migration file holds them).  Each statement is sent whole through the
driver (no ``DELIMITER``).  Views and triggers are kept as text, so they
survive a change of the columns they use (``survives_alters``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any, Callable, Iterable

import sqlalchemy as sa

from ....core.objects import DbObject
from ..catalog import ConnectionCatalog
from ....core.types import quote_literal

VIEWS = """
SELECT v.TABLE_NAME AS name, v.VIEW_DEFINITION AS body, v.CHECK_OPTION AS check_option,
       v.SECURITY_TYPE AS security, {algorithm} AS algorithm, DATABASE() AS db
FROM information_schema.VIEWS v WHERE v.TABLE_SCHEMA = DATABASE()
"""

TRIGGERS = """
SELECT t.TRIGGER_NAME AS name, t.EVENT_OBJECT_TABLE AS on_table, t.ACTION_TIMING AS timing,
       t.EVENT_MANIPULATION AS event_name, t.ACTION_ORDER AS action_order, t.ACTION_STATEMENT AS body
FROM information_schema.TRIGGERS t
WHERE t.TRIGGER_SCHEMA = DATABASE() AND t.EVENT_OBJECT_SCHEMA = DATABASE()
ORDER BY t.EVENT_OBJECT_TABLE, t.ACTION_TIMING, t.EVENT_MANIPULATION, t.ACTION_ORDER
"""

ROUTINES = """
SELECT r.ROUTINE_TYPE AS kind, r.ROUTINE_NAME AS name, r.SPECIFIC_NAME AS specific_name, r.DTD_IDENTIFIER AS result_type,
       r.CHARACTER_SET_NAME AS charset_name, r.COLLATION_NAME AS collation_name, r.DATABASE_COLLATION AS db_collation,
       r.ROUTINE_DEFINITION AS body, r.IS_DETERMINISTIC AS is_deterministic, r.SQL_DATA_ACCESS AS data_access,
       r.SECURITY_TYPE AS security, r.ROUTINE_COMMENT AS comment_text
FROM information_schema.ROUTINES r
WHERE r.ROUTINE_SCHEMA = DATABASE() AND r.ROUTINE_TYPE IN ('FUNCTION', 'PROCEDURE')
"""

PARAMETERS = """
SELECT p.ROUTINE_TYPE AS kind, p.SPECIFIC_NAME AS specific_name, p.PARAMETER_MODE AS param_mode, p.PARAMETER_NAME AS name,
       p.DTD_IDENTIFIER AS param_type, p.CHARACTER_SET_NAME AS charset_name, p.COLLATION_NAME AS collation_name
FROM information_schema.PARAMETERS p
WHERE p.SPECIFIC_SCHEMA = DATABASE() AND p.ORDINAL_POSITION > 0
ORDER BY p.ROUTINE_TYPE, p.SPECIFIC_NAME, p.ORDINAL_POSITION
"""

EVENTS = """
SELECT e.EVENT_NAME AS name, e.EVENT_DEFINITION AS body, e.EVENT_TYPE AS event_type, e.EXECUTE_AT AS execute_at,
       e.INTERVAL_VALUE AS interval_value, e.INTERVAL_FIELD AS interval_field, e.STARTS AS starts, e.ENDS AS ends,
       e.STATUS AS status, e.ON_COMPLETION AS on_completion, e.EVENT_COMMENT AS comment_text,
       COALESCE(e.STARTS IN (CONVERT_TZ(e.CREATED, @@session.time_zone, e.TIME_ZONE),
                             CONVERT_TZ(e.LAST_ALTERED, @@session.time_zone, e.TIME_ZONE)), 0) AS starts_by_server
FROM information_schema.EVENTS e WHERE e.EVENT_SCHEMA = DATABASE()
"""

_STATUS = {"ENABLED": "ENABLE", "DISABLED": "DISABLE", "SLAVESIDE_DISABLED": "DISABLE ON SLAVE"}

# a name in backquotes, as the server writes view definitions; NEW.column / OLD.column in a trigger's body
_NAME = r"`((?:[^`]|``)+)`"
_ROW_REF = re.compile(r"\b(?:NEW|OLD)\s*\.\s*`?(\w+)`?", re.I)


def read(catalog: ConnectionCatalog, schemas: tuple[str | None, ...]) -> list[DbObject]:
    """The views, triggers, functions, procedures and events of the current database (when ``schemas``
    holds None); other databases on the server are not read."""
    connection = catalog.connection  # the statements quote through SQLAlchemy
    if None not in schemas:
        return []
    quote = connection.dialect.identifier_preparer.quote
    mariadb = bool(getattr(connection.dialect, "is_mariadb", False))
    routines = list(connection.execute(sa.text(ROUTINES)))
    functions = {r.name.lower() for r in routines if r.kind == "FUNCTION"}
    views = list(connection.execute(sa.text(VIEWS.format(algorithm="v.ALGORITHM" if mariadb else "'UNDEFINED'"))))
    view_names = {v.name.lower() for v in views}
    found = [_view(v, view_names, functions, quote) for v in views]
    found += _triggers(connection.execute(sa.text(TRIGGERS)), quote)
    parameters: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for p in connection.execute(sa.text(PARAMETERS)):
        parameters[(p.kind, p.specific_name)].append(p)
    found += [_routine(r, parameters[(r.kind, r.specific_name)], quote, mariadb) for r in routines if r.body is not None]
    found += [_event(e, quote, mariadb) for e in connection.execute(sa.text(EVENTS))]
    return found


def _view(row: Any, views: set[str], functions: set[str], quote: Callable[[str], str]) -> DbObject:
    """A view, its definition without the current database's prefixes; it depends on the columns it names
    and requires the views and functions it uses."""
    prefix = "`" + row.db.replace("`", "``") + "`."
    body = row.body or ""
    tables, aliases, requires = _view_sources(body, prefix, views, functions)
    body = body.replace(prefix, "")
    depends: set[tuple[str, str | None]] = {(t, None) for t in tables}
    for owner, column in re.findall(rf"(?<![`.]){_NAME}\.{_NAME}(?![.(])", body):
        table = aliases.get(_unquote(owner))
        if table is not None:
            depends.add((table, _unquote(column)))
    name = quote(row.name)
    options = f"ALGORITHM={row.algorithm} " if row.algorithm and row.algorithm != "UNDEFINED" else ""
    options += "SQL SECURITY INVOKER " if row.security == "INVOKER" else ""
    check = f" WITH {row.check_option} CHECK OPTION" if row.check_option and row.check_option != "NONE" else ""
    definition = f"{options}VIEW {name} AS {body}{check}"
    return DbObject(
        "view", row.name, (f"CREATE {definition}",), (f"DROP VIEW {name}",), (f"CREATE OR REPLACE {definition}",),
        depends_on=tuple(depends), requires=tuple(requires), survives_alters=True,
    )


def _view_sources(body: str, prefix: str, views: set[str], functions: set[str]) -> tuple[set[str], dict[str, str], set[str]]:
    """The tables a view's definition reads (`db`.`t`, under their aliases too), and the views and functions it
    requires."""
    tables: set[str] = set()
    aliases: dict[str, str] = {}
    requires: set[str] = set()
    escaped = re.escape(prefix)
    for source, alias in re.findall(rf"{escaped}{_NAME}(?!\s*[.(])(?:\s+{_NAME})?", body):
        source = _unquote(source)
        if source.lower() in views:
            requires.add(f"view:{source}")
            continue
        tables.add(source)
        aliases[source] = source
        if alias:
            aliases[_unquote(alias)] = source
    for called in re.findall(rf"(?:{escaped})?{_NAME}\s*\(", body):
        if _unquote(called).lower() in functions:
            requires.add(f"function:{_unquote(called)}")
    return tables, aliases, requires


def _triggers(rows: Iterable[Any], quote: Callable[[str], str]) -> list[DbObject]:
    """Triggers; one that is not the first of its table, timing and event FOLLOWS the one before it."""
    found = []
    previous: dict[tuple[str, str, str], str] = {}
    for row in rows:
        group = (row.on_table, row.timing, row.event_name)
        before = previous.get(group)
        previous[group] = row.name
        follows = f" FOLLOWS {quote(before)}" if before is not None else ""
        create = (f"CREATE TRIGGER {quote(row.name)} {row.timing} {row.event_name} ON {quote(row.on_table)} "
                  f"FOR EACH ROW{follows} {row.body}")
        columns = {(row.on_table, c) for c in _ROW_REF.findall(row.body or "")}
        found.append(DbObject(
            "trigger", row.name, (create,), (f"DROP TRIGGER {quote(row.name)}",), table=row.on_table,
            depends_on=tuple(columns | {(row.on_table, None)}),
            requires=(f"trigger:{before}",) if before is not None else (), survives_alters=True,
        ))
    return found


def _routine(row: Any, parameters: list[Any], quote: Callable[[str], str], mariadb: bool) -> DbObject:
    """A function or procedure, as the catalog describes it."""
    kind = row.kind.lower()
    params = ", ".join(
        " ".join(filter(None, (p.param_mode if kind == "procedure" else None, quote(p.name), p.param_type)))
        + _charset(p.charset_name, p.collation_name, row.db_collation)
        for p in parameters
    )
    head = f"{row.kind} {quote(row.name)}({params})"
    if kind == "function":
        head += f" RETURNS {row.result_type}{_charset(row.charset_name, row.collation_name, row.db_collation)}"
    traits = ["DETERMINISTIC"] if row.is_deterministic == "YES" else []
    traits += [row.data_access] if row.data_access and row.data_access != "CONTAINS SQL" else []
    traits += ["SQL SECURITY INVOKER"] if row.security == "INVOKER" else []
    traits += [f"COMMENT {_literal(row.comment_text)}"] if row.comment_text else []
    definition = "\n".join([head] + traits + [row.body])
    return DbObject(
        kind, row.name, (f"CREATE {definition}",), (f"DROP {row.kind} {quote(row.name)}",),
        (f"CREATE OR REPLACE {definition}",) if mariadb else (),
    )


def _charset(charset: str | None, collation: str | None, database_collation: str | None) -> str:
    """`` CHARSET … COLLATE …`` for a text parameter or result whose collation is not the database's."""
    if not charset or not collation or collation == database_collation:
        return ""
    return f" CHARSET {charset} COLLATE {collation}"


def _event(row: Any, quote: Callable[[str], str], mariadb: bool) -> DbObject:
    """An event: its schedule, what happens once it is over, its status, comment and body.  (``ALTER EVENT``
    would keep an ``ENDS`` the new version does not have: MariaDB replaces it whole, MySQL drops it.)"""
    if row.event_type == "ONE TIME":
        schedule = f"AT {_literal(str(row.execute_at))}"
    else:
        schedule = f"EVERY {row.interval_value} {row.interval_field}"
        schedule += f" STARTS {_literal(str(row.starts))}" if row.starts is not None and not row.starts_by_server else ""
        schedule += f" ENDS {_literal(str(row.ends))}" if row.ends is not None else ""
    status = _STATUS.get(row.status, "ENABLE")
    settings = f"ON SCHEDULE {schedule} ON COMPLETION {row.on_completion} {status}"
    comment = f" COMMENT {_literal(row.comment_text)}" if row.comment_text else ""
    name = quote(row.name)
    definition = f"EVENT {name} {settings}{comment} DO {row.body}"
    return DbObject(
        "event", row.name, (f"CREATE {definition}",), (f"DROP EVENT {name}",),
        (f"CREATE OR REPLACE {definition}",) if mariadb else (),
    )


def _literal(value: str) -> str:
    """A string constant as MySQL reads it in its default sql_mode (a backslash is an escape there)."""
    return quote_literal(value.replace("\\", "\\\\"))


def _unquote(name: str) -> str:
    return name.replace("``", "`")
