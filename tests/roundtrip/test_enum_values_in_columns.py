"""A named enum type's values changed where its columns hold them: SQLite's CHECK, MariaDB's column definition.

The matrix of ``test_cross_database.py`` runs each change in every direction;
here are what it cannot hold: a CHECK listing the values (the models ask for
one on SQLite alone), and a column's comment (SQLite, having none, generates
none), each with the change generated on one database and run there or on
another.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from dbshift import api
from dbshift.config import Config
from dbshift.database.connect import create_engine


def checked_moods(*values: str):  # noqa: ANN201
    def build(md: sa.MetaData) -> None:
        mood = sa.Enum(*values, name="mood", create_constraint=True)
        sa.Table("person", md, sa.Column("id", sa.Integer, primary_key=True),
                 sa.Column("mood", mood, nullable=False, server_default=values[-1]))
    return build


def test_sqlite_rebuilds_the_check_of_an_enum_whose_values_change_renaming_rows_as_it_copies(
    sqlite_url, roundtrip, rows, execute, tmp_path: Path
):
    seed = ["INSERT INTO person (id, mood) VALUES (1, 'happy'), (2, 'sad')"]
    result = roundtrip(sqlite_url, checked_moods("happy", "sad"), checked_moods("happy", "disgusted", "blue"), seed,
                       {"person": "id"}, renames=["mood.sad:blue"])
    assert [type(op).__name__ for op in result.ops] == ["AlterEnum"], "the CHECK and the length go with the type"
    assert 'columns=(("person", "mood"),)' in result.path.read_text()
    assert rows(sqlite_url, "person", "id, mood") == [(1, "happy"), (2, "blue")]
    execute(sqlite_url, "INSERT INTO person (id, mood) VALUES (3, 'disgusted')")
    with pytest.raises(sa.exc.IntegrityError, match="CHECK constraint failed"):
        execute(sqlite_url, "INSERT INTO person (id, mood) VALUES (4, 'sad')")


def test_sqlite_refuses_to_remove_a_value_rows_hold_before_the_check_would(sqlite_url, tmp_path: Path, execute, rows):
    root = tmp_path / "p"
    (root / "migrations").mkdir(parents=True)

    def config(build):  # noqa: ANN001, ANN202
        md = sa.MetaData()
        build(md)
        return Config(root=root, migrations=root / "migrations", url=sqlite_url, url_source="t", metadata_object=md)

    a, b = config(checked_moods("happy", "sad")), config(checked_moods("happy"))
    api.revision(a, "a", autogenerate=True)
    api.upgrade(a)
    execute(sqlite_url, "INSERT INTO person (id, mood) VALUES (1, 'sad'), (2, 'happy'), (3, 'sad')")
    api.revision(b, "b", autogenerate=True)
    with pytest.raises(Exception, match=r"cannot remove value\(s\) sad from enum type mood: 2 row\(s\) of "
                                        r"person.mood still hold them \(row\(s\) 1, 3\)"):
        api.upgrade(b)
    assert api.check(a).ops == (), "nothing changed"
    assert rows(sqlite_url, "person", "id, mood") == [(1, "sad"), (2, "happy"), (3, "sad")]


def described_moods(*values: str):  # noqa: ANN201
    def build(md: sa.MetaData) -> None:
        sa.Table("person", md, sa.Column("id", sa.Integer, primary_key=True),
                 sa.Column("mood", sa.Enum(*values, name="mood"), nullable=False, server_default="sad",
                           comment="how they feel"))
    return build


def _config(root: Path, url: str, build) -> Config:  # noqa: ANN001
    md = sa.MetaData()
    build(md)
    return Config(root=root, migrations=root / "migrations", url=url, url_source="t", metadata_object=md)


def _column(url: str) -> tuple:
    engine = create_engine(url)
    with engine.connect() as conn:
        found = conn.exec_driver_sql(
            "SELECT column_type, is_nullable, column_default, column_comment FROM information_schema.columns "
            "WHERE table_schema = DATABASE() AND table_name = 'person' AND column_name = 'mood'"
        ).one()
    engine.dispose()
    return tuple(found)


def test_a_change_generated_on_postgresql_keeps_what_else_mariadb_columns_have(
    pg_url, mysql_url, rows, execute, tmp_path: Path
):
    root = tmp_path / "p"
    (root / "migrations").mkdir(parents=True)
    a, b = described_moods("happy", "sad"), described_moods("happy", "meh", "sad")
    first = api.revision(_config(root, pg_url, a), "a", autogenerate=True).revision
    api.upgrade(_config(root, pg_url, a))
    assert first is not None
    api.revision(_config(root, pg_url, b), "b", autogenerate=True)

    api.upgrade(_config(root, mysql_url, a), first.id)
    execute(mysql_url, "INSERT INTO person (id, mood) VALUES (1, 'sad'), (2, 'happy')")
    api.upgrade(_config(root, mysql_url, b))
    assert _column(mysql_url) == ("enum('happy','meh','sad')", "NO", "'sad'", "how they feel")
    assert api.check(_config(root, mysql_url, b)).ops == ()
    api.downgrade(_config(root, mysql_url, a), "-1")
    assert _column(mysql_url) == ("enum('happy','sad')", "NO", "'sad'", "how they feel")
    assert rows(mysql_url, "person", "id, mood") == [(1, "sad"), (2, "happy")]


def pets(*values: str, with_mood: bool = True):  # noqa: ANN201
    def build(md: sa.MetaData) -> None:
        mood = (sa.Column("mood", sa.Enum(*values, name="mood")),) if with_mood else ()
        sa.Table("person", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("mood", sa.Enum(*values, name="mood")))
        sa.Table("pet", md, sa.Column("id", sa.Integer, primary_key=True), *mood)
    return build


def test_a_column_dropped_after_its_values_changed_comes_back_with_them_on_another_database(
    mysql_url, pg_url, tmp_path: Path
):
    """The history follows the change: a later migration generated on MariaDB drops the column as the history
    types it (with the new values), so PostgreSQL's downgrade re-adds a column of the enum type."""
    root = tmp_path / "p"
    (root / "migrations").mkdir(parents=True)
    steps = [pets("happy", "sad"), pets("happy", "sad", "meh"), pets("happy", "sad", "meh", with_mood=False)]
    for n, build in enumerate(steps):
        api.revision(_config(root, mysql_url, build), f"step {n}", autogenerate=True)
        api.upgrade(_config(root, mysql_url, build))
    dropped = sorted((root / "migrations").glob("*_step_2.py"))[0].read_text()
    assert 'sa.Enum("happy", "sad", "meh", name="mood")' in dropped

    api.upgrade(_config(root, pg_url, steps[2]))
    assert api.check(_config(root, pg_url, steps[2])).ops == ()
    api.downgrade(_config(root, pg_url, steps[1]), "-1")
    assert api.check(_config(root, pg_url, steps[1])).ops == (), "pet.mood is back, of enum type mood"
