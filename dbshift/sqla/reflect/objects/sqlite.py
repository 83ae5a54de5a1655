"""SQLite views and triggers, read as :class:`~dbshift.core.objects.DbObject` values.

SQLite keeps each as the statement that created it (``sqlite_master.sql``):
that statement creates it again, and is what is compared (runs of white
space count as one, as SQLite keeps the text as it was typed).  A view is
dropped and created to change it (SQLite has no ``CREATE OR REPLACE``).

Both are kept as text, checked only when used: they survive a table rebuild
(see :mod:`dbshift.render.sqlite`) and break only when a table or column they
name goes.  What they depend on is read from their text: the tables they name
and the columns of those tables they name (a column named in another table's
sense counts too, which at worst re-creates one that needed nothing).  A
view naming another view, or a trigger of a view (``INSTEAD OF``), requires
it.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from ....core.objects import DbObject
from ..catalog import ConnectionCatalog

OBJECTS = """
SELECT m.type AS kind, m.name, m.tbl_name AS on_table, m.sql FROM main.sqlite_master m
WHERE m.type IN ('view', 'trigger', 'table') AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
"""

# read only when there is a view or trigger to find the columns of
COLUMNS = """
SELECT 'column' AS kind, c.name, m.name AS on_table, NULL AS sql FROM main.sqlite_master m JOIN pragma_table_info(m.name) c
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
"""

_WORD = re.compile(r'"((?:[^"]|"")+)"|`([^`]+)`|\[([^\]]+)\]|(\w+)')


def read(catalog: ConnectionCatalog, schemas: tuple[str | None, ...]) -> list[DbObject]:
    """The views and triggers of the main database (when ``schemas`` holds None or ``"main"``); attached
    databases are not read."""
    connection = catalog.connection  # the statements quote through SQLAlchemy
    if None not in schemas and "main" not in schemas:
        return []
    rows = list(connection.execute(sa.text(OBJECTS)))
    if all(row.kind == "table" for row in rows):
        return []
    rows += list(connection.execute(sa.text(COLUMNS)))
    tables = {row.name.lower(): row.name for row in rows if row.kind == "table"}
    views = {row.name.lower(): row.name for row in rows if row.kind == "view"}
    columns: dict[str, dict[str, str]] = {}
    for row in rows:
        if row.kind == "column":
            columns.setdefault(row.on_table, {})[row.name.lower()] = row.name
    quote = connection.dialect.identifier_preparer.quote
    found = []
    for row in rows:
        if row.kind not in ("view", "trigger") or not row.sql:
            continue
        words = {next(g for g in match if g).lower() for match in _WORD.findall(row.sql)}
        named = [tables[w] for w in words if w in tables]
        depends = [(t, None) for t in named] + [(t, c) for t in named for w, c in columns.get(t, {}).items() if w in words]
        requires = {f"view:{views[w]}" for w in words if w in views and w != row.name.lower()}
        on_table = row.on_table if row.kind == "trigger" and row.on_table.lower() in tables else None
        found.append(DbObject(
            row.kind, row.name, (row.sql,), (f"DROP {row.kind.upper()} {quote(row.name)}",), table=on_table,
            depends_on=tuple(depends), requires=tuple(requires), survives_alters=True,
        ))
    return found
