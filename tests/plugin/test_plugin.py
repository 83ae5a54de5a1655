"""The migration tests ``dbshift.testing`` gives a user's project, run by pytest on small projects."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

MODELS = """
import sqlalchemy as sa

metadata = sa.MetaData()
users = sa.Table(
    "users", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(50), nullable=False),
{extra})
"""

CREATE_USERS = "CREATE TABLE users (id INTEGER NOT NULL, name VARCHAR(50) NOT NULL, PRIMARY KEY (id))"
ADD_EMAIL = "ALTER TABLE users ADD COLUMN email VARCHAR(100)"
ALL_FOUR = ("test_single_head", "test_upgrade_from_empty", "test_models_match_head", "test_up_down_up")


def migration(n: int, parent: int | None, up: str, down: str | None) -> tuple[str, str]:
    """A ``.sql`` migration file's name and text."""
    parents = f"r{parent}" if parent else ""
    text = f"-- revision: r{n}\n-- parents: {parents}\n-- message: step {n}\n{up};\n"
    if down is not None:
        text += f"-- down\n{down};\n"
    return f"r{n}_step_{n}.sql", text


def project(pytester: pytest.Pytester, *steps: tuple[str, str], extra: str = "") -> None:
    """A user project: models, migrations, ``pyproject.toml``, and a test module using the plugin."""
    pytester.makepyprojecttoml('[tool.dbshift]\nmetadata = "models:metadata"\nmigrations = "migrations"\n')
    pytester.makepyfile(models=MODELS.format(extra=extra))
    pytester.makeconftest('pytest_plugins = ["dbshift.testing"]')
    pytester.makepyfile(test_migrations="from dbshift.testing import *  # noqa: F401,F403\n")
    folder = pytester.path / "migrations"
    folder.mkdir()
    for name, text in steps:
        (folder / name).write_text(text)


GOOD = (
    migration(1, None, CREATE_USERS, "DROP TABLE users"),
    migration(2, 1, ADD_EMAIL, "ALTER TABLE users DROP COLUMN email"),
)
EMAIL = '    sa.Column("email", sa.String(100)),\n'


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest("-p", "no:cacheprovider", *args)


def failure(result: pytest.RunResult, test: str) -> str:
    """The text pytest printed for ``test``'s failure."""
    text = result.stdout.str()
    start = text.index(f"_ {test} _")
    return text[start:text.index("short test summary", start)]


def test_all_four_pass_on_a_good_project(pytester: pytest.Pytester) -> None:
    project(pytester, *GOOD, extra=EMAIL)
    result = run(pytester, "-v")
    result.assert_outcomes(passed=4)
    for name in ALL_FOUR:
        result.stdout.fnmatch_lines([f"*::{name} PASSED*"])


def test_two_heads_fail_single_head_naming_both(pytester: pytest.Pytester) -> None:
    project(pytester, *GOOD, migration(3, 1, "CREATE TABLE other (id INTEGER PRIMARY KEY)", "DROP TABLE other"),
            extra=EMAIL)
    result = run(pytester, "-k", "single_head")
    result.assert_outcomes(failed=1, deselected=3)
    text = failure(result, "test_single_head")
    assert "have 2 heads: r2 (step 2); r3 (step 3)" in text
    assert "dbshift merge" in text


def test_a_downgrade_that_does_not_restore_fails_naming_the_revision_and_difference(pytester: pytest.Pytester) -> None:
    project(pytester, GOOD[0], migration(2, 1, ADD_EMAIL, "SELECT 1"), extra=EMAIL)
    result = run(pytester, "-k", "up_down_up")
    result.assert_outcomes(failed=1, deselected=3)
    text = failure(result, "test_up_down_up")
    assert "downgrading r2 (step 2) did not restore the schema before it" in text
    assert "email" in text


def test_models_that_differ_from_head_fail_listing_the_differences(pytester: pytest.Pytester) -> None:
    project(pytester, *GOOD, extra=EMAIL + '    sa.Column("age", sa.Integer),\n')
    result = run(pytester)
    result.assert_outcomes(passed=3, failed=1)
    text = failure(result, "test_models_match_head")
    assert "the models differ from the schema the migrations build" in text
    assert "age" in text


def test_a_migration_that_fails_names_the_revision(pytester: pytest.Pytester) -> None:
    project(pytester, GOOD[0], migration(2, 1, "ALTER TABLE nowhere ADD COLUMN x INTEGER", "SELECT 1"))
    result = run(pytester, "-k", "upgrade_from_empty")
    result.assert_outcomes(failed=1, deselected=3)
    assert "upgrading to r2 (step 2) failed" in failure(result, "test_upgrade_from_empty")


def test_on_postgresql_all_four_pass_and_the_database_is_left_empty(pytester: pytest.Pytester, pg_url: str) -> None:
    serial = CREATE_USERS.replace("id INTEGER", "id SERIAL")
    project(pytester, migration(1, None, serial, "DROP TABLE users"), GOOD[1], extra=EMAIL)
    run(pytester, "--dbshift-url", pg_url).assert_outcomes(passed=4)
    engine = sa.create_engine(pg_url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        assert sa.inspect(conn).get_table_names() == []


def test_a_database_with_tables_is_refused_without_showing_its_password(pytester: pytest.Pytester, pg_url: str) -> None:
    engine = sa.create_engine(pg_url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE customers (id INTEGER PRIMARY KEY)")
    project(pytester, *GOOD, extra=EMAIL)
    with_password = str(sa.engine.make_url(pg_url).set(password="s3cret").render_as_string(hide_password=False))
    result = run(pytester, "-k", "single_head", "--dbshift-url", with_password)
    result.assert_outcomes(errors=1, deselected=3)
    assert "need an empty database" in result.stdout.str() and "has tables: customers" in result.stdout.str()
    assert "s3cret" not in result.stdout.str()
    with engine.connect() as conn:
        assert sa.inspect(conn).get_table_names() == ["customers"]


def test_on_postgresql_a_failed_round_trip_leaves_the_database_empty(pytester: pytest.Pytester, pg_url: str) -> None:
    create = "CREATE TYPE mood AS ENUM ('ok', 'sad'); CREATE TABLE moods (id SERIAL PRIMARY KEY, mood mood)"
    project(pytester, migration(1, None, create, "DROP TABLE moods"))
    result = run(pytester, "--dbshift-url", pg_url, "-k", "up_down_up")
    result.assert_outcomes(failed=1, deselected=3)
    assert "downgrading r1 (step 1) did not restore the schema before it" in failure(result, "test_up_down_up")
    assert "mood" in failure(result, "test_up_down_up")
    engine = sa.create_engine(pg_url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        assert sa.inspect(conn).get_table_names() == [] and sa.inspect(conn).get_enums() == []


def test_a_project_elsewhere_through_an_overridden_config_and_the_p_option(pytester: pytest.Pytester) -> None:
    project(pytester, *GOOD, extra=EMAIL)
    app = pytester.path / "app"
    app.mkdir()
    for name in ("pyproject.toml", "models.py", "migrations"):
        (pytester.path / name).rename(app / name)
    pytester.makeconftest("""
        import pytest
        from dbshift.config import load_config

        @pytest.fixture
        def dbshift_config(request, dbshift_database):
            return load_config(request.config.rootpath / "app", url=dbshift_database)
    """)
    pytester.syspathinsert(app)
    result = run(pytester, "-p", "dbshift.testing", "-v")
    result.assert_outcomes(passed=4)


def test_without_a_dbshift_project_the_tests_say_so(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('pytest_plugins = ["dbshift.testing"]')
    pytester.makepyfile(test_migrations="from dbshift.testing import *  # noqa: F401,F403\n")
    result = run(pytester, "-k", "single_head")
    result.assert_outcomes(errors=1, deselected=3)
    result.stdout.fnmatch_lines(["*override the dbshift_config fixture*no [[]tool.dbshift[]] section*"])
    assert "Traceback" not in result.stdout.str()


def test_an_unreachable_database_fails_in_one_line_without_its_password(pytester: pytest.Pytester) -> None:
    project(pytester, *GOOD, extra=EMAIL)
    result = run(pytester, "-k", "single_head", "--dbshift-url", "postgresql://bob:s3cret@127.0.0.1:9/nowhere")
    result.assert_outcomes(errors=1, deselected=3)
    result.stdout.fnmatch_lines(["reading postgresql*://bob:***@127.0.0.1:9/nowhere failed: cannot connect*"])
    assert "s3cret" not in result.stdout.str() and "Traceback" not in result.stdout.str()
