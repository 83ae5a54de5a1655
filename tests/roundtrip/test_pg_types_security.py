"""``dbshift diff`` on PostgreSQL domains, composite and range types, extensions, row-level security, policies,
grants and comments: the SQL from A to B applied to A leaves nothing to change, and so does the SQL back to A."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from dbshift.sqla.reflect import reflect
from tests.roundtrip.database_pairs import converge, diff
from tests.roundtrip.database_pairs import execute as _execute
from tests.roundtrip.database_pairs import scalar as _scalar


@pytest.fixture
def roles(postgres_server):
    """Two roles of the server (one whose name needs quoting), dropped once the test's databases are."""
    names = [f"dbshift_r_{uuid.uuid4().hex[:8]}", f"Ops {uuid.uuid4().hex[:8]}"]
    with postgres_server.admin.connect() as conn:
        for name in names:
            conn.exec_driver_sql(f'CREATE ROLE "{name}"')
    yield names
    postgres_server.wait_for_drops()
    with postgres_server.admin.connect() as conn:
        for name in names:
            conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{name}"')


@pytest.fixture
def database(postgres_server, roles):
    """``database(sql)``: a fresh database holding ``sql`` (``{r1}``/``{r2}`` name the test's roles)."""
    created = []

    def make(sql: str) -> str:
        url = postgres_server.create()
        created.append(url)
        _execute(url, sql.replace("{r1}", roles[0]).replace("{r2}", f'"{roles[1]}"'))
        return url

    yield make
    for url in created:
        postgres_server.drop(url)


def round_trip(database, a_sql: str, b_sql: str) -> tuple[str, str, str]:
    """A → B, then back to A, each converging; returns the SQL of both ways and the URL of the database moved."""
    a, a_again, b = database(a_sql), database(a_sql), database(b_sql)
    forward = converge(a, b)
    backward = converge(a, a_again)
    return forward, backward, a


# --- domains ---------------------------------------------------------------------------------------------

DOMAINS_A = """
CREATE DOMAIN amount AS integer DEFAULT 1 CONSTRAINT positive CHECK (VALUE > 0);
CREATE DOMAIN code AS varchar(5);
CREATE DOMAIN old_only AS text;
CREATE TABLE item (id integer PRIMARY KEY, price amount, tag text);
INSERT INTO item VALUES (1, 10, 'a'), (2, 20, 'b');
"""

DOMAINS_B = """
CREATE DOMAIN amount AS integer DEFAULT 5 NOT NULL CONSTRAINT below CHECK (VALUE < 1000) CHECK (VALUE <> 13);
CREATE DOMAIN code AS varchar(5) COLLATE "C";
CREATE DOMAIN "New Kind" AS numeric(8, 2) CHECK (VALUE >= 0);
CREATE TABLE item (id integer PRIMARY KEY, price amount, tag text);
INSERT INTO item VALUES (1, 10, 'a'), (2, 20, 'b');
"""


def test_a_domain_columns_use_is_altered_in_place_and_its_rows_stay(database):
    forward, backward, a = round_trip(database, DOMAINS_A, DOMAINS_B)
    assert "ALTER DOMAIN public.amount SET DEFAULT 5" in forward
    assert "ALTER DOMAIN public.amount SET NOT NULL" in forward
    assert "DROP DOMAIN public.amount" not in forward + backward
    assert 'CREATE DOMAIN public."New Kind" AS numeric(8,2) CONSTRAINT "New Kind_check" CHECK' in forward
    assert "DROP DOMAIN public.old_only" in forward and "CREATE DOMAIN public.old_only AS text" in backward
    # the base type and collation are what the domain is: made again (which PostgreSQL refuses while a column uses it)
    assert forward.index("DROP DOMAIN public.code") < forward.index('CREATE DOMAIN public.code AS character varying(5) COLLATE "C"')
    assert "ALTER DOMAIN public.amount DROP NOT NULL" in backward
    assert _scalar(a, "SELECT string_agg(price::text, ',' ORDER BY id) FROM item") == "10,20"


def test_a_domain_check_whose_name_only_the_database_knows_is_dropped(database):
    a = database("CREATE DOMAIN d AS integer CHECK (VALUE > 0);")
    b = database("CREATE DOMAIN d AS integer CHECK (VALUE > 1);")
    converge(a, b)
    assert _scalar(a, "SELECT string_agg(pg_get_constraintdef(oid), ';') FROM pg_constraint "
                      "WHERE contypid = 'd'::regtype") == "CHECK ((VALUE > 1))"


# --- composite and range types --------------------------------------------------------------------------

TYPES_A = """
CREATE TYPE pair AS (name text, amount integer);
CREATE TYPE loose AS (a integer, b text);
CREATE TYPE gone AS (x integer);
CREATE TYPE floatrange AS RANGE (subtype = float8);
CREATE TABLE t1 (id integer PRIMARY KEY, descr pair);
INSERT INTO t1 VALUES (1, ROW('first', 1));
"""

TYPES_B = """
CREATE TYPE pair AS (name text, amount integer, created timestamp);
CREATE TYPE loose AS (b text, a bigint);
CREATE TYPE floatrange AS RANGE (subtype = float8, subtype_diff = float8mi);
CREATE TYPE "Span" AS RANGE (subtype = integer, multirange_type_name = spans);
CREATE TABLE t1 (id integer PRIMARY KEY, descr pair);
INSERT INTO t1 VALUES (1, ROW('first', 1, NULL));
"""


def test_composite_types_gain_and_lose_attributes_in_place_and_range_types_are_made_again(database):
    forward, backward, a = round_trip(database, TYPES_A, TYPES_B)
    assert "DROP TYPE public.pair" not in forward.replace("DROP TYPE public.pair;\n        CREATE", "")
    assert "DROP TYPE public.floatrange" in forward
    assert "CREATE TYPE public.floatrange AS RANGE (SUBTYPE = double precision, SUBTYPE_DIFF = float8mi)" in forward
    assert 'CREATE TYPE public."Span" AS RANGE (SUBTYPE = integer, MULTIRANGE_TYPE_NAME = public.spans)' in forward
    assert "CREATE TYPE public.gone AS (x integer)" in backward
    assert _scalar(a, "SELECT (descr).name FROM t1") == "first"


def test_a_composite_type_whose_attributes_change_order_is_made_again_while_unused(database):
    forward, backward, a = round_trip(database, "CREATE TYPE c AS (a integer, b text, d date);",
                                      "CREATE TYPE c AS (d date, a bigint);")
    assert _scalar(a, "SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum) "
                      "FROM pg_attribute WHERE attrelid = 'c'::regclass AND attnum > 0 AND NOT attisdropped") == (
        "a integer, b text, d date")


def test_a_domain_check_added_not_valid_stays_not_valid(database):
    rows = "CREATE DOMAIN d AS integer; CREATE TABLE t (x d); INSERT INTO t VALUES (-1);"
    forward, _, a = round_trip(database, rows, rows + "ALTER DOMAIN d ADD CONSTRAINT positive CHECK (VALUE > 0) NOT VALID;")
    assert "ALTER DOMAIN public.d ADD CONSTRAINT positive CHECK ((VALUE > 0)) NOT VALID" in forward
    assert _scalar(a, "SELECT count(*) FROM t") == 1


# --- extensions -----------------------------------------------------------------------------------------

EXTENSIONS_A = """
CREATE EXTENSION pg_trgm VERSION '1.5';
CREATE EXTENSION hstore;
"""

EXTENSIONS_B = """
CREATE SCHEMA ext;
CREATE EXTENSION pg_trgm VERSION '1.6';
CREATE EXTENSION citext WITH SCHEMA ext;
CREATE TABLE person (id integer PRIMARY KEY, email ext.citext);
"""


def test_extensions_are_created_updated_and_dropped_and_their_members_are_not_listed(database):
    forward, backward, a = round_trip(database, EXTENSIONS_A, EXTENSIONS_B)
    assert "CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA ext VERSION '1.6'" in forward
    assert forward.index("CREATE SCHEMA ext") < forward.index("CREATE EXTENSION IF NOT EXISTS citext")
    assert forward.index("CREATE EXTENSION IF NOT EXISTS citext") < forward.index("CREATE TABLE person")
    assert "ALTER EXTENSION pg_trgm UPDATE TO '1.6'" in forward
    assert "ALTER EXTENSION pg_trgm UPDATE TO '1.5'" in backward  # no update script goes back: made again
    assert "DROP EXTENSION hstore" in forward and backward.index("DROP TABLE person") < backward.index(
        "DROP EXTENSION citext")
    b = database(EXTENSIONS_B)
    engine = sa.create_engine(b, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        schema = reflect(conn, schemas=(None, "ext"))
    engine.dispose()
    # citext's type and functions, pg_trgm's functions and operators are the extensions', not objects of their own
    assert [x.id for x in schema.objects if x.kind not in ("comment", "grant")] == [
        "extension:citext", "extension:pg_trgm"]


# --- row-level security and policies -----------------------------------------------------------------

POLICIES_A = """
CREATE TABLE accounts (id integer, manager text, company text);
CREATE TABLE projects (id integer);
CREATE TABLE items (id integer);
ALTER TABLE accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE projects FORCE ROW LEVEL SECURITY;
CREATE POLICY managers ON accounts TO {r1} USING (manager = current_user);
CREATE POLICY evens ON accounts FOR SELECT USING (id % 2 = 0);
CREATE POLICY checked ON accounts WITH CHECK (id > 0);
CREATE POLICY old_one ON projects;
"""

POLICIES_B = """
CREATE TABLE accounts (id integer, manager text, company text);
CREATE TABLE projects (id integer);
CREATE TABLE items (id integer);
ALTER TABLE accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE accounts FORCE ROW LEVEL SECURITY;
ALTER TABLE items ENABLE ROW LEVEL SECURITY;
CREATE POLICY managers ON accounts TO {r1}, {r2} USING (manager = current_user OR company = 'x');
CREATE POLICY evens ON accounts FOR INSERT WITH CHECK (id % 2 = 0);
CREATE POLICY checked ON accounts AS RESTRICTIVE WITH CHECK (id > 0);
CREATE POLICY "New one" ON items FOR DELETE USING (id > 10);
"""


def test_row_level_security_and_policies_are_enabled_altered_and_dropped(database, roles):
    forward, backward, _ = round_trip(database, POLICIES_A, POLICIES_B)
    assert "ALTER TABLE public.accounts FORCE ROW LEVEL SECURITY" in forward
    assert "ALTER TABLE public.items ENABLE ROW LEVEL SECURITY" in forward
    assert "ALTER TABLE public.projects NO FORCE ROW LEVEL SECURITY" in forward
    assert f'ALTER POLICY managers ON public.accounts TO "{roles[1]}", {roles[0]} USING' in forward
    assert "DROP POLICY evens ON public.accounts" in forward  # another command: made again
    assert "CREATE POLICY checked ON public.accounts AS RESTRICTIVE FOR ALL TO PUBLIC WITH CHECK ((id > 0))" in forward
    assert 'CREATE POLICY "New one" ON public.items AS PERMISSIVE FOR DELETE TO PUBLIC USING ((id > 10))' in forward
    assert "CREATE POLICY old_one ON public.projects AS PERMISSIVE FOR ALL TO PUBLIC" in backward


def test_a_policy_over_a_column_whose_type_changes_is_made_again_around_the_change(database):
    a = database("CREATE TABLE t (id integer, owner varchar(10)); CREATE POLICY mine ON t USING (owner = current_user);")
    b = database("CREATE TABLE t (id integer, owner text); CREATE POLICY mine ON t USING (owner = current_user);")
    sql = converge(a, b)
    assert sql.index("DROP POLICY mine") < sql.index("ALTER TABLE t ALTER COLUMN owner TYPE") < sql.index(
        "CREATE POLICY mine")


# --- grants ---------------------------------------------------------------------------------------------

GRANTS_COMMON = """
CREATE SCHEMA app;
CREATE TABLE app.orders (id serial PRIMARY KEY, note text, total integer);
CREATE SEQUENCE app.ticket;
CREATE FUNCTION app.double(i integer) RETURNS integer LANGUAGE sql AS 'SELECT i * 2';
CREATE DOMAIN app.positive AS integer CHECK (VALUE > 0);
CREATE TYPE app.pair AS (a integer, b integer);
"""

GRANTS_A = GRANTS_COMMON + """
GRANT SELECT, INSERT ON app.orders TO {r1};
GRANT UPDATE (note) ON app.orders TO {r2};
GRANT USAGE ON SCHEMA app TO {r1};
GRANT USAGE ON SEQUENCE app.ticket TO {r1};
"""

GRANTS_B = GRANTS_COMMON + """
GRANT SELECT ON app.orders TO {r1} WITH GRANT OPTION;
GRANT UPDATE (note, total), SELECT (id) ON app.orders TO {r1};
GRANT USAGE, CREATE ON SCHEMA app TO {r2};
REVOKE EXECUTE ON FUNCTION app.double(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.double(integer) TO {r2};
REVOKE USAGE ON DOMAIN app.positive FROM PUBLIC;
GRANT USAGE ON TYPE app.pair TO {r1};
GRANT SELECT, UPDATE ON SEQUENCE app.orders_id_seq TO {r2};
"""


def test_grants_on_tables_columns_schemas_sequences_functions_and_types_converge(database, roles):
    r1, r2 = roles[0], f'"{roles[1]}"'
    forward, backward, a = round_trip(database, GRANTS_A, GRANTS_B)
    assert f"REVOKE ALL ON TABLE app.orders FROM {r1}" in forward
    assert f"GRANT SELECT ON TABLE app.orders TO {r1} WITH GRANT OPTION" in forward
    assert f"GRANT SELECT (id), UPDATE (note, total) ON TABLE app.orders TO {r1}" in forward
    assert f"REVOKE ALL ON TABLE app.orders FROM {r2}" in forward
    assert "REVOKE EXECUTE ON FUNCTION app.double(integer) FROM PUBLIC" in forward
    assert f"GRANT EXECUTE ON FUNCTION app.double(integer) TO {r2}" in forward
    assert "REVOKE USAGE ON DOMAIN app.positive FROM PUBLIC" in forward
    assert "GRANT EXECUTE ON FUNCTION app.double(integer) TO PUBLIC" in backward  # back to PostgreSQL's default
    assert f"GRANT USAGE ON SCHEMA app TO {r1}" in backward
    assert _scalar(a, f"SELECT has_table_privilege('{roles[0]}', 'app.orders', 'INSERT')") is True
    assert _scalar(a, "SELECT has_function_privilege('public', 'app.double(integer)', 'EXECUTE')") is True


def test_a_grant_to_a_role_this_server_lacks_fails_with_postgresqls_message(database, postgres_server):
    role = f"dbshift_gone_{uuid.uuid4().hex[:8]}"
    with postgres_server.admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE ROLE {role}")
    a = database("CREATE TABLE t (id integer);")
    b = database(f"CREATE TABLE t (id integer); GRANT SELECT ON t TO {role};")
    code, sql = diff(a, b)
    assert f"GRANT SELECT ON TABLE public.t TO {role};" in sql
    _execute(b, f"REVOKE ALL ON t FROM {role}")
    with postgres_server.admin.connect() as conn:
        conn.exec_driver_sql(f"DROP ROLE {role}")
    with pytest.raises(sa.exc.ProgrammingError, match=f'role "{role}" does not exist'):
        _execute(a, sql)


def test_owners_own_privileges_are_not_grants(database):
    a = database("CREATE TABLE t (id integer);")
    b = database("CREATE TABLE t (id integer); GRANT ALL ON t TO current_user; REVOKE TRUNCATE ON t FROM PUBLIC;")
    assert diff(a, b) == (0, "")


# --- comments -------------------------------------------------------------------------------------------

COMMENTS_COMMON = """
CREATE EXTENSION hstore;
CREATE TABLE test (id integer PRIMARY KEY, body text, CONSTRAINT body_check CHECK (length(body) > 0));
CREATE INDEX test_body ON test (body);
CREATE SEQUENCE numbers;
CREATE DOMAIN small AS integer CONSTRAINT under CHECK (VALUE < 10);
CREATE TYPE pair AS (a integer, b integer);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER test_touch BEFORE UPDATE ON test FOR EACH ROW EXECUTE FUNCTION touch();
CREATE POLICY readers ON test USING (true);
"""

COMMENTS_A = COMMENTS_COMMON + """
COMMENT ON SCHEMA public IS 'public schema';
COMMENT ON FUNCTION touch() IS 'sets nothing';
COMMENT ON TRIGGER test_touch ON test IS 'on update';
COMMENT ON INDEX test_body IS 'by body';
COMMENT ON EXTENSION hstore IS 'key/value pairs';
"""

COMMENTS_B = COMMENTS_COMMON + """
COMMENT ON SCHEMA public IS 'public schema 2';
COMMENT ON FUNCTION touch() IS 'sets nothing 2';
COMMENT ON CONSTRAINT body_check ON test IS 'not empty';
COMMENT ON CONSTRAINT under ON DOMAIN small IS 'single digit';
COMMENT ON SEQUENCE numbers IS 'it''s a sequence';
COMMENT ON DOMAIN small IS 'small numbers';
COMMENT ON TYPE pair IS 'two numbers';
COMMENT ON COLUMN pair.a IS 'the first';
COMMENT ON POLICY readers ON test IS 'everyone reads';
"""


def test_comments_on_objects_are_set_changed_and_cleared(database):
    forward, backward, a = round_trip(database, COMMENTS_A, COMMENTS_B)
    assert "COMMENT ON SCHEMA public IS 'public schema 2'" in forward
    assert "COMMENT ON FUNCTION public.touch() IS 'sets nothing 2'" in forward
    assert "COMMENT ON TRIGGER test_touch ON public.test IS NULL" in forward
    assert "COMMENT ON INDEX public.test_body IS NULL" in forward
    assert "COMMENT ON CONSTRAINT body_check ON public.test IS 'not empty'" in forward
    assert "COMMENT ON CONSTRAINT under ON DOMAIN public.small IS 'single digit'" in forward
    assert "COMMENT ON SEQUENCE public.numbers IS 'it''s a sequence'" in forward
    assert "COMMENT ON COLUMN public.pair.a IS 'the first'" in forward
    assert "COMMENT ON POLICY readers ON public.test IS 'everyone reads'" in forward
    # an extension's own comment is what dropping another one restores
    assert "COMMENT ON EXTENSION hstore IS 'data type for storing sets of (key, value) pairs'" in forward
    assert _scalar(a, "SELECT obj_description('hstore'::regtype, 'pg_type')") is None


def test_a_comment_is_set_again_when_its_object_is_made_again(database):
    a = database("CREATE DOMAIN d AS integer; COMMENT ON DOMAIN d IS 'kept';")
    b = database("CREATE DOMAIN d AS bigint; COMMENT ON DOMAIN d IS 'kept';")
    sql = converge(a, b)
    assert sql.index("DROP DOMAIN public.d") < sql.index("CREATE DOMAIN public.d AS bigint") < sql.index(
        "COMMENT ON DOMAIN public.d IS 'kept'")


# --- autogenerate: the database's own objects ride along ---------------------------------------------

def test_the_policies_and_grants_of_a_table_the_models_drop_go_with_it(roundtrip, pg_url):
    def a(metadata: sa.MetaData) -> None:
        sa.Table("kept", metadata, sa.Column("id", sa.Integer, primary_key=True))
        sa.Table("gone", metadata, sa.Column("id", sa.Integer, primary_key=True))

    def b(metadata: sa.MetaData) -> None:
        sa.Table("kept", metadata, sa.Column("id", sa.Integer, primary_key=True))

    seed = ["GRANT SELECT ON gone, kept TO PUBLIC", "ALTER TABLE gone ENABLE ROW LEVEL SECURITY",
            "CREATE POLICY mine ON gone USING (true)", "COMMENT ON CONSTRAINT gone_pkey ON gone IS 'key'"]
    second = roundtrip(pg_url, a, b, seed=seed)
    described = [op.describe() for op in second.ops]
    assert described[-1] == "drop table gone"
    assert sorted(described[:-1]) == [
        "drop comment on constraint gone_pkey on public.gone", "drop grant on table public.gone to PUBLIC",
        "drop policy mine on public.gone", "drop row-level security public.gone",
    ]
    assert _scalar(pg_url, "SELECT has_table_privilege('public', 'kept', 'SELECT')") is True
