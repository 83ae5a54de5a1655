"""Reflection reads the whole schema in a fixed number of queries, however many tables."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from dbshift.sqla.reflect import UnsupportedDialect, reflect

# the queries each dialect module issues (per schema on SQLite, and one for its views and triggers); on
# PostgreSQL one of them reads standard_conforming_strings, which reflection turns on while it reads defaults
# and CHECKs; 5 read row-level security, policies, grants and comments (one of them asks which kinds of object
# have a comment), and one asks which of the other readers have anything to read: none, in a schema of tables
# alone (EVERY_READER: each has, and reads it)
EXPECTED = {"postgresql": 14 + 1, "sqlite": 5}
EVERY_READER = 14 + 1 + 4 + 1 + 3  # domains, composite and range types, extensions, what they need; views, routines, triggers


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


def _each_in_a_schema(engine: sa.Engine, prefix: str, statements: dict[str, list[str]]) -> None:
    """Run each kind's statements in a schema of its own, ``{prefix}0``, ``{prefix}1``… (``{s}`` in them)."""
    with engine.begin() as conn:
        for i, kind_statements in enumerate(statements.values()):
            conn.exec_driver_sql(f"CREATE SCHEMA {prefix}{i}")
            for sql in kind_statements:
                conn.exec_driver_sql(sql.format(s=f"{prefix}{i}"))


# each kind of object alone in a schema of its own (with the table or function it needs): the one query asking
# which readers have something to read must say so for each
ALONE = {
    "view": ["CREATE VIEW {s}.v AS SELECT 1 AS one"],
    "materialized view": ["CREATE MATERIALIZED VIEW {s}.mv AS SELECT 1 AS one"],
    "function": ["CREATE FUNCTION {s}.f() RETURNS int LANGUAGE sql AS 'SELECT 1'"],
    "procedure": ["CREATE PROCEDURE {s}.p() LANGUAGE sql AS 'SELECT 1'"],
    "trigger": ["CREATE TABLE {s}.t (id int)",
                "CREATE FUNCTION public.{s}_fn() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'",
                "CREATE TRIGGER tr BEFORE INSERT ON {s}.t FOR EACH ROW EXECUTE FUNCTION public.{s}_fn()"],
    "domain": ["CREATE DOMAIN {s}.d AS int CHECK (VALUE > 0)"],
    "composite type": ["CREATE TYPE {s}.c AS (a int, b text)"],
    "range type": ["CREATE TYPE {s}.r AS RANGE (subtype = int4)"],
    "extension": ["CREATE EXTENSION hstore WITH SCHEMA {s}"],
}


def test_each_kind_of_object_is_read_when_it_is_the_only_one(pg_engine: sa.Engine, execute_script, query_counter) -> None:  # noqa: ANN001
    from dbshift.sqla.reflect.objects import read_objects

    _each_in_a_schema(pg_engine, "alone", ALONE)
    with pg_engine.connect() as conn:
        for i, kind in enumerate(ALONE):
            kinds = {x.kind for x in read_objects(conn, schemas=(f"alone{i}",))}
            assert kind in kinds, f"{kind} alone in its schema is not read (read: {sorted(kinds)})"
        conn.rollback()
        with pg_engine.begin() as setup:
            setup.exec_driver_sql("CREATE FUNCTION public.on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS 'BEGIN END'")
            setup.exec_driver_sql("CREATE EVENT TRIGGER alone_ddl ON ddl_command_end EXECUTE FUNCTION public.on_ddl()")
        try:
            empty = "nothing_here"
            with pg_engine.begin() as setup:
                setup.exec_driver_sql(f"CREATE SCHEMA {empty}")
            assert "event trigger" in {x.kind for x in read_objects(conn, schemas=(None,))}
            assert "event trigger" not in {x.kind for x in read_objects(conn, schemas=(empty,))}
        finally:
            with pg_engine.begin() as setup:
                setup.exec_driver_sql("DROP EVENT TRIGGER alone_ddl")
        everything = tuple(f"alone{i}" for i in range(len(ALONE)))
        assert _count(conn, query_counter, schemas=everything)[0] == EVERY_READER


def test_unsupported_dialect_is_a_clear_error() -> None:
    # no database involved: dispatch happens on the dialect name alone
    connection = SimpleNamespace(dialect=SimpleNamespace(name="oracle"))
    with pytest.raises(UnsupportedDialect, match=r"cannot reflect a 'oracle' database .*postgresql, sqlite"):
        reflect(connection)


# an object of each kind with a comment, each in a schema of its own: the query asking which kinds of object
# have a comment must name each kind's catalog
COMMENTED = {
    "sequence": ["CREATE SEQUENCE {s}.sq", "COMMENT ON SEQUENCE {s}.sq IS 'n'"],
    "function": ["CREATE FUNCTION {s}.f() RETURNS int LANGUAGE sql AS 'SELECT 1'", "COMMENT ON FUNCTION {s}.f() IS 'n'"],
    "domain": ["CREATE DOMAIN {s}.d AS int", "COMMENT ON DOMAIN {s}.d IS 'n'"],
    "constraint": ["CREATE TABLE {s}.t (n int CONSTRAINT positive CHECK (n > 0))",
                   "COMMENT ON CONSTRAINT positive ON {s}.t IS 'n'"],
    "rule": ["CREATE TABLE {s}.t (n int)", "CREATE RULE r AS ON UPDATE TO {s}.t DO INSTEAD NOTHING",
             "COMMENT ON RULE r ON {s}.t IS 'n'"],
    "schema": ["COMMENT ON SCHEMA {s} IS 'n'"],
    "collation": ["CREATE COLLATION {s}.co FROM \"C\"", "COMMENT ON COLLATION {s}.co IS 'n'"],
    "statistics": ["CREATE TABLE {s}.t (a int, b int)", "CREATE STATISTICS {s}.st ON a, b FROM {s}.t",
                   "COMMENT ON STATISTICS {s}.st IS 'n'"],
}


def test_a_comment_is_read_whatever_it_is_on(pg_engine: sa.Engine) -> None:
    from dbshift.sqla.reflect.objects import read_objects

    with pg_engine.begin() as conn:  # the schema public is older than any object made since: its comment too
        conn.exec_driver_sql("COMMENT ON SCHEMA public IS 'changed'")
    with pg_engine.connect() as conn:
        found = {x.name: x.definition for x in read_objects(conn, schemas=(None,)) if x.kind == "comment"}
    assert found == {"on schema public": "changed"}
    _each_in_a_schema(pg_engine, "noted", COMMENTED)
    with pg_engine.connect() as conn:
        for i, kind in enumerate(COMMENTED):
            comments = [x.name for x in read_objects(conn, schemas=(f"noted{i}",)) if x.kind == "comment"]
            assert [c for c in comments if c.startswith(f"on {kind} ")], f"the comment on the {kind} is not read: {comments}"
