"""``dbshift diff URL_A URL_B`` between two real PostgreSQL databases: apply its SQL, then nothing is left."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from dbshift.cli import main

A = """
CREATE SCHEMA gone;
CREATE TABLE gone.old_log (id integer PRIMARY KEY);
CREATE SEQUENCE ticket;
CREATE SEQUENCE countdown INCREMENT BY -1 CYCLE;
CREATE TABLE customer (id serial PRIMARY KEY, name text);
COMMENT ON TABLE customer IS 'people';
COMMENT ON COLUMN customer.id IS 'their number';
CREATE INDEX customer_name ON customer (name);
ALTER TABLE customer CLUSTER ON customer_name;
CREATE TABLE counter (id serial PRIMARY KEY);
CREATE TABLE ledger (id serial PRIMARY KEY);
"""

B = """
CREATE TABLE customer (id serial PRIMARY KEY, name text);
CREATE SCHEMA "Sales Team";
CREATE TYPE "Sales Team".stage AS ENUM ('lead', 'won');
CREATE SEQUENCE "Sales Team"."Deal_No" AS integer START WITH 100;
CREATE TABLE "Sales Team"."Deal" (
    id integer PRIMARY KEY DEFAULT nextval('"Sales Team"."Deal_No"'),
    stage "Sales Team".stage NOT NULL,
    customer_id integer REFERENCES customer (id)
);
COMMENT ON TABLE "Sales Team"."Deal" IS 'deals in progress';
ALTER TABLE "Sales Team"."Deal" CLUSTER ON "Deal_pkey";
CREATE INDEX customer_name ON customer (name);
CREATE SEQUENCE ticket INCREMENT BY 5 MINVALUE 10 MAXVALUE 5000 CACHE 20 CYCLE;
CREATE SEQUENCE countdown INCREMENT BY -1;
COMMENT ON TABLE customer IS 'people who buy';
COMMENT ON COLUMN customer.name IS 'as printed on invoices';
CREATE SEQUENCE counter_id_seq;
CREATE TABLE counter (id integer PRIMARY KEY DEFAULT nextval('counter_id_seq'));
CREATE TABLE ledger (id integer PRIMARY KEY);
CREATE SEQUENCE ledger_id_seq OWNED BY ledger.id;
ALTER TABLE ledger ALTER COLUMN id SET DEFAULT nextval('ledger_id_seq');
CREATE TABLE entry (id integer PRIMARY KEY);
CREATE SEQUENCE "Entry No" INCREMENT BY 10 OWNED BY entry.id;
ALTER TABLE entry ALTER COLUMN id SET DEFAULT nextval('"Entry No"');
"""


@pytest.fixture
def two_databases(postgres_server):
    urls = [postgres_server.create(), postgres_server.create()]
    yield urls
    for url in urls:
        postgres_server.drop(url)


def _execute(url: str, sql: str) -> None:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.exec_driver_sql(sql)
    engine.dispose()


def diff(*argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["diff", *argv], out, err)
    assert err.getvalue() == ""
    return code, out.getvalue()


def converge(a: str, b: str) -> str:
    """Apply ``dbshift diff a b`` to ``a``; a second diff must find nothing.  Returns the SQL applied."""
    code, sql = diff(a, b)
    assert code == 2
    _execute(a, sql)
    assert diff(a, b) == (0, "")
    return sql


def test_new_schema_comes_before_its_objects_and_the_old_one_goes_last(two_databases):
    a, b = two_databases
    _execute(a, A)
    _execute(b, B)
    sql = converge(a, b)
    assert sql.index('CREATE SCHEMA "Sales Team"') < sql.index('CREATE TYPE "Sales Team".stage')
    assert sql.index('CREATE TYPE "Sales Team".stage') < sql.index('CREATE TABLE "Sales Team"."Deal"')
    assert "COMMENT ON TABLE customer IS 'people who buy';" in sql
    assert "COMMENT ON COLUMN customer.id IS NULL;" in sql
    assert "ALTER TABLE customer SET WITHOUT CLUSTER;" in sql
    assert 'ALTER TABLE "Sales Team"."Deal" CLUSTER ON "Deal_pkey";' in sql
    assert sql.index('CREATE SEQUENCE "Sales Team"."Deal_No"') < sql.index('CREATE TABLE "Sales Team"."Deal"')
    assert "ALTER SEQUENCE ticket INCREMENT BY 5 MINVALUE 10 MAXVALUE 5000 START WITH 10 CACHE 20 CYCLE;" in sql
    assert "ALTER SEQUENCE countdown NO CYCLE;" in sql
    assert sql.rstrip().endswith("DROP SCHEMA gone;")
    # the serial column's own sequence becomes the standalone one: kept, not created again
    assert "ALTER SEQUENCE counter_id_seq AS bigint MAXVALUE 9223372036854775807 OWNED BY NONE;" in sql
    assert "CREATE SEQUENCE counter_id_seq" not in sql
    # serial columns' own sequences with options of their own: SERIAL creates them, then they are altered
    assert "ALTER SEQUENCE ledger_id_seq AS bigint MAXVALUE 9223372036854775807;" in sql
    assert 'ALTER SEQUENCE entry_id_seq RENAME TO "Entry No";' in sql


def test_dropped_schema_goes_after_the_table_sequence_and_type_in_it(two_databases):
    a, b = two_databases
    _execute(a, B)
    _execute(b, A)
    sql = converge(a, b)
    assert sql.index('DROP TABLE "Sales Team"."Deal"') < sql.index('DROP SEQUENCE "Sales Team"."Deal_No"')
    assert sql.index('DROP TABLE "Sales Team"."Deal"') < sql.index('DROP TYPE "Sales Team".stage')
    assert sql.rstrip().endswith('DROP SCHEMA "Sales Team";')
    assert "ALTER SEQUENCE counter_id_seq AS integer MAXVALUE 2147483647 OWNED BY counter.id;" in sql
    assert "DROP SEQUENCE counter_id_seq" not in sql
    assert "ALTER SEQUENCE ledger_id_seq AS integer MAXVALUE 2147483647;" in sql
    assert "ALTER TABLE customer CLUSTER ON customer_name;" in sql


def test_schema_option_restricts_the_comparison(two_databases):
    a, b = two_databases
    _execute(a, A)
    _execute(b, B)
    code, sql = diff(a, b, "--schema", "public")
    assert code == 2 and "Sales Team" not in sql and "gone" not in sql
    _execute(a, sql)
    assert diff(a, b, "--schema", "public") == (0, "")
    assert diff(a, b, "--schema", "Sales Team")[0] == 2
