"""An applied migration whose file was edited stops the run, until the user accepts the edit.

The checksum ignores what editors and checkouts change on their own (line
endings, trailing whitespace, a final newline), so those never stop a run.
"""

from __future__ import annotations

from runner_helpers import Project, rev_id

from dbshift.project.files import file_checksum


def _recorded(project: Project, n: int) -> str:
    return project.query(f"SELECT checksum FROM dbshift_history WHERE revision = '{rev_id(n)}'")[0][0]


def test_an_edited_applied_migration_stops_the_run_until_accepted(db_url, tmp_path):
    project = Project.make(tmp_path / "p", db_url)
    project.add_sql("CREATE TABLE a (id integer PRIMARY KEY)")
    project.add_sql("CREATE TABLE b (id integer PRIMARY KEY)")
    project.cli("upgrade")
    first = project.files[1]

    # a checkout with CRLF line endings, trailing blanks and extra blank lines at the end: not an edit
    text = first.read_text()
    first.write_bytes(("  \r\n".join(text.splitlines()) + "\t \r\n\r\n\r\n").encode())
    assert "Nothing to do" in project.cli("upgrade")

    first.write_text(text.replace("CREATE TABLE a (id integer PRIMARY KEY)", "CREATE TABLE a (id bigint PRIMARY KEY)"))
    project.add_sql("CREATE TABLE c (id integer PRIMARY KEY)")
    error = project.cli("upgrade", expect=1).strip()  # one line: checked by cli()
    assert error.startswith("error: migration ")
    assert rev_id(1) in error and str(first) in error and "edited after it was applied" in error
    assert f"dbshift accept {rev_id(1)}" in error and "--accept-checksum" in error
    assert project.tables() == {"a", "b"}, "nothing ran"
    assert "edited since applied" in project.cli("current")

    out = project.cli("upgrade", "--accept-checksum", rev_id(1))
    assert "Now at" in out and project.tables() == {"a", "b", "c"}
    assert _recorded(project, 1) == file_checksum(first)

    first.write_text(first.read_text() + "-- a comment added later\n")
    assert "edited after it was applied" in project.cli("upgrade", expect=1)
    out = project.cli("accept", rev_id(1)[-4:])
    assert f"Accepted {rev_id(1)}" in out and str(first) in out
    assert _recorded(project, 1) == file_checksum(first)
    assert "Nothing to do" in project.cli("upgrade")
    assert "unchanged" in project.cli("accept", rev_id(1))


def test_only_applied_migrations_can_be_accepted(sqlite_url, tmp_path):
    project = Project.make(tmp_path / "p", sqlite_url)
    project.add_sql("CREATE TABLE a (id integer PRIMARY KEY)")
    project.add_sql("CREATE TABLE b (id integer PRIMARY KEY)")
    project.cli("upgrade", rev_id(1))
    error = project.cli("accept", rev_id(2), expect=1)
    assert f"{rev_id(2)} is not applied" in error
    assert f"{rev_id(2)} is not applied" in project.cli("upgrade", "--accept-checksum", rev_id(2), expect=1)
    assert project.tables() == {"a"}


def test_several_edited_migrations_name_the_first_and_count_the_rest(sqlite_url, tmp_path):
    project = Project.make(tmp_path / "p", sqlite_url)
    for name in "abc":
        project.add_sql(f"CREATE TABLE {name} (id integer PRIMARY KEY)")
    project.cli("upgrade")
    for n in (1, 2, 3):
        project.files[n].write_text(project.files[n].read_text() + "-- edited\n")
    error = project.cli("upgrade", expect=1)
    assert rev_id(1) in error and "(and 2 more)" in error
