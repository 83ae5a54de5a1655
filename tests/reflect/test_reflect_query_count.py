"""Reflection reads the whole schema in a fixed number of queries, however many tables."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from dbshift.sqla.reflect import UnsupportedDialect, reflect

# the queries each dialect module issues (per schema on SQLite, and one for its views and triggers); on
# PostgreSQL one of them reads standard_conforming_strings, which reflection turns on while it reads defaults
# and CHECKs, 8 read domains, composite and range types, extensions, row-level security, policies, grants
# and comments, and 3 its views, routines and triggers
EXPECTED = {"postgresql": 17 + 3, "sqlite": 5}


def _tables(n: int) -> str:
    """``n`` tables: a root, and tables with a foreign key, a unique, a check and two indexes each."""
    statements = ["CREATE TABLE root (id INTEGER PRIMARY KEY, name VARCHAR(20))"]
    for i in range(n - 1):
        statements += [
            f"CREATE TABLE t{i} (id INTEGER PRIMARY KEY, root_id INTEGER REFERENCES root (id),"
            f" code VARCHAR(10) DEFAULT 'x', n INTEGER, CONSTRAINT t{i}_code UNIQUE (code),"
            f" CONSTRAINT t{i}_n CHECK (n > 0))",
            f"CREATE INDEX ix_t{i}_n ON t{i} (n DESC) WHERE n > 1",
            f"CREATE INDEX ix_t{i}_lower ON t{i} (lower(code))",
        ]
    return ";\n".join(statements)


def _count(conn: sa.Connection, query_counter, **kw) -> tuple[int, int]:  # noqa: ANN001
    with query_counter(conn) as counter:
        schema = reflect(conn, **kw)
    return counter.count, len(schema.tables)


def test_sqlite_query_count_does_not_grow(tmp_path: Path, execute_script, query_counter) -> None:  # noqa: ANN001
    counts = {}
    for n in (5, 50):
        engine = sa.create_engine(f"sqlite:///{tmp_path / f'{n}.db'}", poolclass=sa.pool.NullPool)
        with engine.connect() as conn:
            execute_script(conn, _tables(n))
            conn.commit()
            counts[n] = _count(conn, query_counter)
        engine.dispose()
    assert counts == {5: (EXPECTED["sqlite"], 5), 50: (EXPECTED["sqlite"], 50)}


def test_postgresql_query_count_does_not_grow(pg_engine: sa.Engine, execute_script, query_counter) -> None:  # noqa: ANN001
    with pg_engine.begin() as conn:
        for n in (5, 50):
            conn.exec_driver_sql(f"CREATE SCHEMA s{n}")
            conn.exec_driver_sql(f"SET search_path TO s{n}")
            execute_script(conn, _tables(n).replace("id INTEGER PRIMARY KEY", "id serial PRIMARY KEY"))
        conn.exec_driver_sql("SET search_path TO public")
    with pg_engine.connect() as conn:
        counts = {n: _count(conn, query_counter, schemas=(f"s{n}",)) for n in (5, 50)}
        both = _count(conn, query_counter, schemas=("s5", "s50"))
    assert counts == {5: (EXPECTED["postgresql"], 5), 50: (EXPECTED["postgresql"], 50)}
    assert both == (EXPECTED["postgresql"], 55)  # more schemas: still the same queries


def test_unsupported_dialect_is_a_clear_error() -> None:
    # no database involved: dispatch happens on the dialect name alone
    connection = SimpleNamespace(dialect=SimpleNamespace(name="oracle"))
    with pytest.raises(UnsupportedDialect, match=r"cannot reflect a 'oracle' database .*postgresql, sqlite"):
        reflect(connection)
