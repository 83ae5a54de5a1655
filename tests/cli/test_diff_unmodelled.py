"""Objects dbshift does not model on PostgreSQL (rules, storage parameters…) are not compared, and never silently:
``dbshift diff`` warns about the ones that differ, and diff, autogenerate and check name those that the generated
SQL would break.

(Views, functions and triggers are compared and migrated: tests/roundtrip/test_pg_views_functions_triggers.py for
PostgreSQL, tests/roundtrip/test_mysql_sqlite_objects.py for MySQL/MariaDB and SQLite.)"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from dbshift.cli import main

PG_COMMON = """
CREATE TABLE users (id integer PRIMARY KEY, email text, active boolean);
CREATE VIEW same_view AS SELECT id FROM users;
CREATE FUNCTION bump(n integer) RETURNS integer LANGUAGE sql AS 'SELECT n + 1';
"""

PG_B_EXTRA = """
CREATE VIEW active_users AS SELECT id, email FROM users WHERE active;
CREATE OR REPLACE FUNCTION bump(n integer) RETURNS integer LANGUAGE sql AS 'SELECT n + 2';
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch();
"""

PG_B_RULES = """
CREATE RULE users_gone AS ON DELETE TO users DO ALSO NOTIFY users_gone;
CREATE RULE same_rule AS ON INSERT TO users DO ALSO NOTIFY users_new;
"""


def _execute(url: str, sql: str) -> None:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(sql)
        else:  # one statement at a time (MariaDB triggers contain ';' only in bodies we do not use)
            for statement in filter(str.strip, sql.split(";\n")):
                conn.exec_driver_sql(statement)
    engine.dispose()


def diff(a: str, b: str) -> tuple[int, str, list[str]]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["diff", a, b], out, err)
    return code, out.getvalue(), err.getvalue().splitlines()


@pytest.fixture
def two_pg(postgres_server):
    urls = [postgres_server.create(), postgres_server.create()]
    yield urls
    for url in urls:
        postgres_server.drop(url)


def test_postgresql_objects_that_differ_are_reported_on_stderr_and_in_the_sql(two_pg):
    a, b = two_pg
    _execute(a, PG_COMMON + "CREATE RULE same_rule AS ON INSERT TO users DO ALSO NOTIFY users_added;")
    _execute(b, PG_COMMON + PG_B_RULES)
    code, sql, warnings = diff(a, b)
    assert code == 2  # the databases differ, though there is no statement to write
    assert warnings == [
        "warning: rule same_rule on public.users differs between A and B; "
        "dbshift diff does not compare rules: write that change by hand",
        "warning: rule users_gone on public.users is only in B; dbshift diff does not compare rules: write that change by hand",
    ]
    assert sql.splitlines() == [
        "-- not compared: rule same_rule on public.users differs between A and B "
        "(dbshift diff does not compare rules; write that change by hand)",
        "-- not compared: rule users_gone on public.users is only in B "
        "(dbshift diff does not compare rules; write that change by hand)",
    ]
    _execute(a, sql)  # comments only: applying them changes nothing, and fails on nothing


def test_postgresql_identical_objects_say_nothing(two_pg):
    a, b = two_pg
    for url in two_pg:
        _execute(url, PG_COMMON + PG_B_EXTRA + PG_B_RULES)
    assert diff(a, b) == (0, "", [])


def test_postgresql_a_rule_on_a_dropped_table_or_column_is_named(two_pg):
    a, b = two_pg
    _execute(a, PG_COMMON + "CREATE TABLE old_log (id integer, note text);\n"
             "CREATE RULE notes AS ON DELETE TO users DO ALSO INSERT INTO old_log (note) VALUES ('gone');\n"
             "CREATE RULE mailing AS ON UPDATE TO users WHERE new.email IS NULL DO INSTEAD NOTHING;")
    _execute(b, PG_COMMON.replace("email text, ", "") + "CREATE RULE notes AS ON DELETE TO users DO ALSO NOTIFY gone;\n"
             "CREATE RULE mailing AS ON UPDATE TO users WHERE new.id IS NULL DO INSTEAD NOTHING;")
    code, sql, warnings = diff(a, b)
    assert code == 2
    expected = [
        "rule mailing on public.users depends on column users.email, which this script drops: "
        "drop and re-create the rule in a hand-written step",
        "rule notes on public.users depends on table old_log, which this script drops: "
        "drop and re-create the rule in a hand-written step",
    ]
    assert sorted(w for w in warnings if "depends on" in w) == [f"warning: {e}" for e in expected]
    assert sorted(line for line in sql.splitlines() if line.startswith("-- depends: ")) == [
        f"-- depends: {e}" for e in expected
    ]
    assert "DROP TABLE old_log;" in sql and "ALTER TABLE users DROP COLUMN email;" in sql


# --- autogenerate and check against models ----------------------------------------------------------

MODELS = '''
from sqlalchemy import Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(Text)
'''


def _run(root: Path, url: str, *argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    for name in [m for m in sys.modules if m == "app" or m.startswith("app.")]:
        del sys.modules[name]
    previous = Path.cwd()
    os.chdir(root)
    try:
        code = main(["--url", url, *argv], out, err)
    finally:
        os.chdir(previous)
        sys.path[:] = [p for p in sys.path if p != str(root)]
    return code, out.getvalue() + err.getvalue()


@pytest.mark.parametrize("sql, warning", [
    ("CREATE RULE active_users AS ON UPDATE TO users WHERE new.email IS NULL DO INSTEAD NOTHING",
     "!! rule active_users on public.users depends on column users.email, which this migration drops: "
     "drop and re-create the rule in a hand-written step"),
    ("CREATE VIEW active_users AS SELECT id, email FROM users",  # compared, but the models do not declare it
     "!! view public.active_users depends on column users.email, which this migration drops: "
     "re-creating the view as it is will fail; change it (or drop it) in a hand-written step first"),
], ids=["rule", "view"])
def test_autogenerate_and_check_name_an_object_on_a_dropped_column(tmp_path: Path, pg_url: str, sql: str, warning: str):
    root = tmp_path / "proj"
    (root / "app").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "models.py").write_text(MODELS + "    email: Mapped[str] = mapped_column(Text)\n")
    (root / "pyproject.toml").write_text('[project]\nname = "app"\nversion = "0"\n')
    assert _run(root, pg_url, "init", "--metadata", "app.models:Base.metadata")[0] == 0
    assert _run(root, pg_url, "revision", "--autogenerate", "-m", "users", "--no-input")[0] == 0
    assert _run(root, pg_url, "upgrade")[0] == 0
    _execute(pg_url, sql)

    # the models do not declare it: its presence alone is no difference
    assert _run(root, pg_url, "check") == (0, "The database matches the models.\n")

    (root / "app" / "models.py").write_text(MODELS)
    code, text = _run(root, pg_url, "check")
    assert code == 2 and warning in text
    code, text = _run(root, pg_url, "revision", "--autogenerate", "-m", "drop email", "--no-input")
    assert code == 0 and "drop column users.email" in text and warning in text


def test_postgresql_settings_of_unmodelled_kinds_count_as_differences(two_pg):
    a, b = two_pg
    _execute(a, PG_COMMON + PG_B_EXTRA)
    _execute(b, PG_COMMON + PG_B_EXTRA.replace("'SELECT n + 2'", "'SELECT  n + 2'") + """
ALTER TABLE users DISABLE TRIGGER users_touch;
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users SET (fillfactor = 70);
GRANT SELECT ON users TO PUBLIC;
""")
    code, sql, warnings = diff(a, b)
    assert code == 2
    assert [w.split(";")[0] for w in warnings] == [
        "warning: storage parameters of public.users is only in B",
    ]
    # row-level security, grants, functions and triggers are compared: written, not warned about
    assert "ALTER TABLE public.users ENABLE ROW LEVEL SECURITY;" in sql
    assert "GRANT SELECT ON TABLE public.users TO PUBLIC;" in sql
    assert "AS $function$SELECT  n + 2$function$;" in sql  # white space in a body is a change
    assert "ALTER TABLE public.users DISABLE TRIGGER users_touch;" in sql
