"""``dbshift diff`` carries PostgreSQL views, materialized views, functions, procedures, aggregates, triggers and
event triggers.

Each case loads schema A and schema B into real databases, applies the diff A → B to A and finds nothing left to
change, then applies the diff back to a copy of A and finds A again.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from dbshift.sqla.reflect.objects import read_objects
from tests.roundtrip.database_pairs import converge
from tests.roundtrip.database_pairs import execute as _execute
from tests.roundtrip.database_pairs import rows as _rows


@pytest.fixture
def load(postgres_server):
    """``load(sql, ...)``: a new database per script, each loaded with it; their URLs."""
    made: list[str] = []

    def run(*scripts: str) -> list[str]:
        urls = []
        for sql in scripts:
            url = postgres_server.create()
            made.append(url)
            _execute(url, sql)
            urls.append(url)
        return urls

    yield run
    for url in made:
        postgres_server.drop(url)


@pytest.fixture
def both_ways(load):
    """``both_ways(a_sql, b_sql)``: converge A → B, then back to A; (forward SQL, backward SQL, A's URL)."""

    def run(a_sql: str, b_sql: str) -> tuple[str, str, str]:
        a, b, a_again = load(a_sql, b_sql, a_sql)
        forward = converge(a, b)
        backward = converge(a, a_again)
        return forward, backward, a

    return run


# --- views ----------------------------------------------------------------------------------------------

USERS = "CREATE TABLE users (id integer PRIMARY KEY, email text, active boolean);\n"


def test_a_view_keeping_its_columns_is_replaced_in_place_with_its_options_and_the_views_over_it_stay(both_ways):
    a = USERS + """
CREATE VIEW active AS SELECT id, email FROM users WHERE active;
CREATE VIEW emails AS SELECT email FROM active;
"""
    b = USERS + """
CREATE VIEW active WITH (security_barrier) AS SELECT id, email FROM users WHERE active AND id > 0
    WITH LOCAL CHECK OPTION;
CREATE VIEW emails AS SELECT email FROM active;
"""
    forward, backward, _ = both_ways(a, b)
    assert "CREATE OR REPLACE VIEW public.active WITH (security_barrier=true) AS" in forward
    assert "WITH LOCAL CHECK OPTION" in forward
    assert "DROP VIEW" not in forward and "DROP VIEW" not in backward
    assert "CREATE OR REPLACE VIEW public.active AS" in backward


def test_a_view_whose_columns_change_is_dropped_and_created_with_the_views_and_triggers_over_it(both_ways):
    common = USERS + """
CREATE FUNCTION add_user() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO users (id, email) VALUES (NEW.id, NEW.email); RETURN NEW; END $$;
"""
    over = """
CREATE VIEW emails AS SELECT email FROM people;
CREATE TRIGGER people_insert INSTEAD OF INSERT ON people FOR EACH ROW EXECUTE FUNCTION add_user();
"""
    a = common + "CREATE VIEW people AS SELECT id, email FROM users;" + over
    b = common + "CREATE VIEW people AS SELECT id, active, email FROM users;" + over
    forward, _, url = both_ways(a, b)
    assert forward.index("DROP VIEW public.emails") < forward.index("DROP VIEW public.people")
    assert forward.index("CREATE VIEW public.people") < forward.index("CREATE VIEW public.emails")
    assert forward.index("CREATE VIEW public.people") < forward.index("CREATE TRIGGER people_insert")
    _execute(url, "INSERT INTO people (id, email) VALUES (1, 'a@example.com')")  # the trigger came back with A
    assert _rows(url, "SELECT email FROM emails") == [("a@example.com",)]


def test_view_column_defaults_are_added_changed_and_dropped(load):
    view = USERS + "CREATE VIEW people AS SELECT id, email, active FROM users;\n"
    none, some, other = load(
        view, view + "ALTER VIEW people ALTER COLUMN active SET DEFAULT true;",
        view + "ALTER VIEW people ALTER COLUMN active SET DEFAULT false;\n"
               "ALTER VIEW people ALTER COLUMN email SET DEFAULT 'nobody';",
    )
    first = converge(none, some)
    assert "ALTER VIEW public.people ALTER COLUMN active SET DEFAULT true" in first
    converge(none, other)
    converge(none, load(view)[0])
    _execute(none, "INSERT INTO people (id) VALUES (1)")
    assert _rows(none, "SELECT email, active FROM users") == [(None, None)]


def test_a_view_over_a_column_whose_type_changes_is_dropped_and_created_around_the_change(both_ways):
    a = "CREATE TABLE item (id integer PRIMARY KEY, price integer);\nCREATE VIEW prices AS SELECT price FROM item;"
    b = a.replace("price integer", "price numeric(10, 2)")
    forward, backward, url = both_ways(a + "\nINSERT INTO item VALUES (1, 5);", b)
    for sql in (forward, backward):
        assert sql.index("DROP VIEW public.prices") < sql.index("ALTER TABLE item ALTER COLUMN price TYPE")
        assert sql.index("ALTER TABLE item ALTER COLUMN price TYPE") < sql.index("CREATE VIEW public.prices")
    assert _rows(url, "SELECT price FROM prices") == [(5,)]


def test_a_materialized_view_is_dropped_and_created_with_its_indexes_and_its_data_state(both_ways):
    a = """
CREATE TABLE item (id integer PRIMARY KEY, price integer);
INSERT INTO item VALUES (1, 5), (2, 7);
CREATE MATERIALIZED VIEW totals AS SELECT id, price FROM item;
CREATE UNIQUE INDEX totals_id ON totals (id);
"""
    b = """
CREATE TABLE item (id integer PRIMARY KEY, price integer);
CREATE MATERIALIZED VIEW totals AS SELECT id, price * 2 AS doubled FROM item WITH NO DATA;
CREATE INDEX totals_doubled ON totals (doubled);
"""
    forward, backward, url = both_ways(a, b)
    assert "WITH NO DATA" in forward and "WITH DATA" in backward
    assert backward.index("CREATE MATERIALIZED VIEW public.totals") < backward.index("CREATE UNIQUE INDEX totals_id")
    assert _rows(url, "SELECT id, price FROM totals ORDER BY id") == [(1, 5), (2, 7)]


# --- functions, procedures, aggregates -------------------------------------------------------------------------


def test_functions_change_in_place_keeping_their_overloads_apart(both_ways):
    a = """
CREATE FUNCTION add(a integer, b integer DEFAULT 1) RETURNS integer LANGUAGE sql AS 'SELECT a + b';
CREATE FUNCTION add(a text) RETURNS text LANGUAGE sql AS 'SELECT a';
CREATE FUNCTION evens(n integer) RETURNS SETOF integer LANGUAGE sql AS 'SELECT generate_series(0, n, 2)';
"""
    b = """
CREATE FUNCTION add(a integer, b integer DEFAULT 2) RETURNS integer LANGUAGE sql
    STABLE STRICT SECURITY DEFINER PARALLEL SAFE COST 5 SET search_path = public AS 'SELECT a + b';
CREATE FUNCTION add(a text, b text) RETURNS text LANGUAGE sql AS 'SELECT a || b';
CREATE FUNCTION evens(n integer) RETURNS SETOF integer LANGUAGE sql ROWS 10 AS 'SELECT generate_series(0, n, 2)';
CREATE FUNCTION pairs() RETURNS TABLE (k text, v integer) LANGUAGE sql AS $$ SELECT 'a', 1 $$;
"""
    forward, backward, url = both_ways(a, b)
    assert "DROP FUNCTION public.add(integer)" not in forward + backward
    assert "DROP FUNCTION public.add(text)" in forward and "DROP FUNCTION public.add(text, text)" in backward
    assert "DROP FUNCTION public.pairs()" in backward
    assert _rows(url, "SELECT add(1), add('x')") == [(2, "x")]


def test_a_function_whose_result_or_argument_names_change_is_dropped_and_created_with_the_views_using_it(both_ways):
    a = """
CREATE FUNCTION twice(x integer) RETURNS integer LANGUAGE sql AS 'SELECT x * 2';
CREATE FUNCTION label(x integer) RETURNS text LANGUAGE sql AS 'SELECT x::text';
CREATE VIEW doubled AS SELECT twice(n) AS d, label(n) AS l FROM generate_series(1, 2) AS n;
"""
    b = a.replace("twice(x integer) RETURNS integer", "twice(x integer) RETURNS bigint").replace(
        "label(x integer) RETURNS text LANGUAGE sql AS 'SELECT x::text'",
        "label(n integer) RETURNS text LANGUAGE sql AS 'SELECT n::text'",
    )
    forward, _, url = both_ways(a, b)
    assert forward.index("DROP VIEW public.doubled") < forward.index("DROP FUNCTION public.twice(integer)")
    assert "DROP FUNCTION public.label(integer)" in forward
    assert _rows(url, "SELECT d, l FROM doubled ORDER BY d") == [(2, "1"), (4, "2")]


def test_procedures_and_aggregates_with_their_state_functions(both_ways):
    a = """
CREATE TABLE log (n integer);
CREATE PROCEDURE note(x integer) LANGUAGE sql AS 'INSERT INTO log VALUES (x)';
CREATE FUNCTION plus(s integer, v integer) RETURNS integer LANGUAGE sql AS 'SELECT s + v';
CREATE AGGREGATE total(integer) (SFUNC = plus, STYPE = integer, INITCOND = '0');
"""
    b = """
CREATE TABLE log (n integer);
CREATE PROCEDURE note(x integer) LANGUAGE sql AS 'INSERT INTO log VALUES (x * 10)';
CREATE FUNCTION plus(s integer, v integer) RETURNS integer LANGUAGE sql AS 'SELECT s + v';
CREATE AGGREGATE total(integer) (SFUNC = plus, STYPE = integer, INITCOND = '100');
CREATE FUNCTION longest(s text, v text) RETURNS text LANGUAGE sql AS
    'SELECT CASE WHEN length(v) > length(s) THEN v ELSE s END';
CREATE AGGREGATE longest(text) (SFUNC = longest, STYPE = text, INITCOND = '', PARALLEL = SAFE);
"""
    forward, backward, url = both_ways(a, b)
    assert "CREATE OR REPLACE PROCEDURE public.note(IN x integer)" in forward
    assert "CREATE OR REPLACE AGGREGATE public.total(integer)" in forward
    assert forward.index("CREATE OR REPLACE FUNCTION public.longest(s text, v text)") < forward.index(
        "CREATE AGGREGATE public.longest(text)")
    assert backward.index("DROP AGGREGATE public.longest(text)") < backward.index("DROP FUNCTION public.longest(text, text)")
    _execute(url, "CALL note(3)")
    assert _rows(url, "SELECT n FROM log") == [(3,)]
    assert _rows(url, "SELECT total(n) FROM generate_series(1, 3) AS n") == [(6,)]


def test_a_function_used_by_a_default_and_a_check_exists_before_its_table_and_goes_after_it(both_ways):
    b = """
CREATE FUNCTION next_code() RETURNS text LANGUAGE sql AS $$ SELECT 'c-' || floor(random() * 1000)::int $$;
CREATE FUNCTION is_code(t text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT t LIKE 'c-%' $$;
CREATE TABLE ticket (id integer PRIMARY KEY, code text DEFAULT next_code() CHECK (is_code(code)));
"""
    forward, backward, _ = both_ways("CREATE TABLE other (id integer);", b)
    assert forward.index("FUNCTION public.next_code()") < forward.index("CREATE TABLE ticket")
    assert backward.index("DROP TABLE ticket") < backward.index("DROP FUNCTION public.next_code()")


def test_a_sql_standard_body_over_a_column_whose_type_changes_is_created_again_after_the_change(both_ways):
    a = """
CREATE TABLE item (id integer PRIMARY KEY, price integer);
CREATE FUNCTION total() RETURNS bigint LANGUAGE sql BEGIN ATOMIC SELECT sum(price) FROM item; END;
"""
    forward, backward, _ = both_ways(a, a.replace("price integer", "price bigint"))
    for sql in (forward, backward):
        assert sql.index("DROP FUNCTION public.total()") < sql.index("ALTER TABLE item ALTER COLUMN price TYPE")
        assert sql.index("ALTER TABLE item ALTER COLUMN price TYPE") < sql.index("FUNCTION public.total()\n")


def test_a_function_that_becomes_a_procedure(both_ways):
    forward, _, _ = both_ways(
        "CREATE FUNCTION archive(x integer) RETURNS void LANGUAGE sql AS 'SELECT';",
        "CREATE PROCEDURE archive(x integer) LANGUAGE sql AS 'SELECT';",
    )
    assert forward.index("DROP FUNCTION public.archive(integer)") < forward.index("PROCEDURE public.archive")


# --- triggers -------------------------------------------------------------------------------------------------

TRIGGER_BASE = USERS + """
CREATE TABLE audit (n integer);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO audit VALUES (1); RETURN NEW; END $$;
"""


def test_triggers_change_in_place_with_their_enabled_state_and_constraint_triggers_are_recreated(both_ways):
    a = TRIGGER_BASE + """
CREATE TRIGGER on_email BEFORE UPDATE OF email ON users FOR EACH ROW
    WHEN (OLD.email IS DISTINCT FROM NEW.email) EXECUTE FUNCTION touch();
CREATE TRIGGER on_insert AFTER INSERT ON users REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION touch();
CREATE CONSTRAINT TRIGGER checked AFTER INSERT ON users DEFERRABLE FOR EACH ROW EXECUTE FUNCTION touch();
"""
    b = TRIGGER_BASE + """
CREATE TRIGGER on_email BEFORE UPDATE OF email, active ON users FOR EACH ROW
    WHEN (OLD.active IS DISTINCT FROM NEW.active) EXECUTE FUNCTION touch();
ALTER TABLE users DISABLE TRIGGER on_email;
CREATE TRIGGER on_insert AFTER INSERT ON users REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION touch();
ALTER TABLE users ENABLE REPLICA TRIGGER on_insert;
CREATE CONSTRAINT TRIGGER checked AFTER INSERT ON users DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION touch();
"""
    forward, backward, url = both_ways(a, b)
    assert "CREATE OR REPLACE TRIGGER on_email" in forward and "DISABLE TRIGGER on_email" in forward
    assert "ENABLE REPLICA TRIGGER on_insert" in forward and "ENABLE TRIGGER on_insert" in backward
    assert "DROP TRIGGER checked ON public.users" in forward and "DROP TRIGGER on_email" not in forward
    _execute(url, "INSERT INTO users VALUES (1, 'a', true); UPDATE users SET email = 'b'")
    assert _rows(url, "SELECT count(*) FROM audit") == [(3,)]  # A's three triggers fire again


def test_a_trigger_over_a_column_whose_type_changes_is_dropped_and_created_around_it(both_ways):
    a = TRIGGER_BASE + """
CREATE TRIGGER on_email BEFORE UPDATE ON users FOR EACH ROW WHEN (OLD.email <> NEW.email) EXECUTE FUNCTION touch();
"""
    forward, _, _ = both_ways(a, a.replace("email text", "email varchar(200)"))
    assert forward.index("DROP TRIGGER on_email") < forward.index("ALTER COLUMN email TYPE")
    assert forward.index("ALTER COLUMN email TYPE") < forward.index("CREATE TRIGGER on_email")


# --- names, schemas, extensions ---------------------------------------------------------------------------------------


def test_quoted_names_in_another_schema(both_ways):
    a = 'CREATE SCHEMA "Sales Team";\nCREATE TABLE "Sales Team"."Deal" (id integer PRIMARY KEY, "Amount" integer);\n'
    b = a + """
CREATE VIEW "Sales Team"."Big Deals" AS SELECT id FROM "Sales Team"."Deal" WHERE "Amount" > 100;
CREATE FUNCTION "Sales Team"."Stamp It"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER "On Deal" BEFORE INSERT ON "Sales Team"."Deal" FOR EACH ROW EXECUTE FUNCTION "Sales Team"."Stamp It"();
ALTER TABLE "Sales Team"."Deal" DISABLE TRIGGER "On Deal";
"""
    forward, backward, _ = both_ways(a, b)
    assert 'DROP TRIGGER "On Deal" ON "Sales Team"."Deal"' in backward
    assert 'DROP FUNCTION "Sales Team"."Stamp It"()' in backward


def test_objects_of_an_extension_or_made_for_another_object_are_not_listed(load):
    (url,) = load("CREATE EXTENSION pg_trgm;\nCREATE FUNCTION mine() RETURNS integer LANGUAGE sql AS 'SELECT 1';\n"
                  "CREATE TYPE spans AS RANGE (subtype = integer);")  # with constructors spans(), spans_multirange()
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        ids = [x.id for x in read_objects(conn) if x.kind in ("function", "procedure", "aggregate")]
    engine.dispose()
    assert ids == ["function:public.mine()"]


def test_event_triggers_with_their_tags_and_enabled_state(both_ways):
    function = "CREATE FUNCTION on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;\n"
    a = function + "CREATE EVENT TRIGGER watch ON ddl_command_start EXECUTE FUNCTION on_ddl();"
    b = function + """
CREATE EVENT TRIGGER watch ON ddl_command_start WHEN TAG IN ('DROP TABLE') EXECUTE FUNCTION on_ddl();
ALTER EVENT TRIGGER watch DISABLE;
CREATE EVENT TRIGGER dropped ON sql_drop EXECUTE FUNCTION on_ddl();
"""
    forward, backward, _ = both_ways(a, b)
    assert "WHEN TAG IN ('DROP TABLE')" in forward and "ALTER EVENT TRIGGER watch DISABLE" in forward
    assert "DROP EVENT TRIGGER dropped" in backward


def test_views_and_functions_over_an_enum_that_loses_a_value_are_dropped_and_created_around_the_new_type(both_ways):
    b = """
CREATE TYPE mood AS ENUM ('sad', 'happy');
CREATE TABLE people (id integer PRIMARY KEY, mood mood);
CREATE VIEW moods AS SELECT id, mood, 'happy'::mood AS best FROM people;
CREATE FUNCTION cheer(m mood) RETURNS mood LANGUAGE sql AS $$ SELECT 'happy'::mood $$;
INSERT INTO people VALUES (1, 'sad');
"""
    forward, backward, url = both_ways(b.replace("'sad', 'happy'", "'sad', 'ok', 'happy'"), b)
    assert forward.index("DROP VIEW public.moods") < forward.index("ALTER TYPE mood RENAME")
    assert forward.index("DROP FUNCTION public.cheer(mood)") < forward.index("ALTER TYPE mood RENAME")
    assert "DROP VIEW" not in backward  # a value added in place keeps them
    assert _rows(url, "SELECT id, mood::text FROM moods") == [(1, "sad")]
