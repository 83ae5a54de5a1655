"""``upgrade`` refuses a migration the database's rows say would lose data or fail, unless the migration's file
acknowledges the code with a reason; the dry run and ``--json`` show the same findings.  Judged through the
database: after a refusal the rows, the schema and the history are as they were."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from tests.runner.runner_helpers import Project, rev_id


@pytest.fixture(params=["postgresql", "mariadb"])
def project(request, tmp_path) -> Project:
    url = request.getfixturevalue("pg_url" if request.param == "postgresql" else "mysql_url")
    project = Project.make(tmp_path / "p", url)
    project.execute("CREATE TABLE item (id integer PRIMARY KEY, name varchar(40), note varchar(40))")
    project.execute("INSERT INTO item (id, name, note) VALUES (1, 'a', 'kept'), (2, NULL, 'kept'), (3, 'c', NULL)")
    return project


def columns(project: Project) -> list[str]:
    engine = sa.create_engine(project.url)
    try:
        with engine.connect() as conn:
            return [c["name"] for c in sa.inspect(conn).get_columns("item")]
    finally:
        engine.dispose()


def history(project: Project) -> list[tuple]:
    if "dbshift_history" not in sa.inspect(sa.create_engine(project.url)).get_table_names():
        return []
    return project.history()


DROP_NOTE = 'upgrade = [DropColumn("item", Column("note", "varchar(40)"))]\n'


def test_a_drop_that_loses_values_is_refused_until_acknowledged_with_a_reason(project: Project):
    project.add_python(DROP_NOTE)
    out = project.cli("upgrade", expect=1)
    assert f"refusing to run {rev_id(1)}: DS102" in out and "values of 2 row(s)" in out
    assert 'lint_ignore = {"DS102": "<why>"}' in out and "nothing was changed" in out
    assert columns(project) == ["id", "name", "note"] and history(project) == []
    assert project.query("SELECT count(*) FROM item WHERE note = 'kept'") == [(2,)]

    plan = project.cli("upgrade", "--dry-run")
    assert "lint DS102 (error): drops column item.note and the values of 2 row(s)" in plan
    data = json.loads(project.cli("upgrade", "--dry-run", "--json").splitlines()[-1])
    [finding] = data["plan"][0]["findings"]
    assert (finding["code"], finding["severity"], finding["rows"]) == ("DS102", "error", 2)

    text = project.files[1].read_text()
    project.files[1].write_text(text.replace("upgrade =", 'lint_ignore = ("DS102",)\nupgrade ='))
    out = project.cli("upgrade", expect=1)
    assert "names it without a reason" in out and columns(project) == ["id", "name", "note"]

    project.files[1].write_text(text.replace("upgrade =", 'lint_ignore = {"DS102": "notes moved to the archive"}\nupgrade ='))
    project.cli("upgrade")
    assert columns(project) == ["id", "name"] and [h[:2] for h in history(project)] == [(rev_id(1), "applied")]


def test_a_sql_file_acknowledges_with_a_comment(project: Project):
    project.add_sql("DELETE FROM item")
    out = project.cli("upgrade", expect=1)
    assert "DS110" in out and "-- lint_ignore: DS110 <why>" in out
    assert project.query("SELECT count(*) FROM item") == [(3,)]
    path = project.files[1]
    path.write_text(path.read_text().replace("-- message", "-- lint_ignore: DS110 the demo rows go\n-- message"))
    project.cli("upgrade")
    assert project.query("SELECT count(*) FROM item") == [(0,)]


def test_the_same_change_on_rows_it_cannot_hurt_runs_without_a_word(project: Project):
    project.execute("UPDATE item SET note = NULL")
    project.add_python(DROP_NOTE)
    out = project.cli("upgrade")
    assert "DS102" not in out and columns(project) == ["id", "name"]


def test_warnings_never_stop_a_run(project: Project):
    project.execute("UPDATE item SET name = 'x' WHERE name IS NULL")
    project.add_python('upgrade = [CreateIndex("item", Index("ix_item_name", ("name",), unique=True))]\n')
    (project.root / "pyproject.toml").write_text('[tool.dbshift]\nmigrations = "migrations"\nlarge_table_rows = 2\n')
    plan = project.cli("upgrade", "--dry-run")
    assert ("lint DS106 (warning)" in plan) == project.url.startswith("postgresql")
    project.cli("upgrade")
    assert [h[:2] for h in history(project)] == [(rev_id(1), "applied")]


def test_a_unique_index_over_duplicates_is_refused_before_it_fails(project: Project):
    project.execute("UPDATE item SET name = 'same'")
    project.add_python('upgrade = [CreateIndex("item", Index("ix_item_name", ("name",), unique=True))]\n')
    out = project.cli("upgrade", expect=1)
    assert "DS112" in out and "name='same' (3 rows)" in out and history(project) == []
