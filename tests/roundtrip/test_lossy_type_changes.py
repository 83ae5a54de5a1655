"""A type change never cuts, rounds or overflows a value silently: it checks the rows first and refuses,
unless the migration says the loss is intended.

On PostgreSQL the change's ``USING col::varchar(5)`` would cut strings and
round decimals without a word; on MariaDB a server without strict mode does
the same. SQLite's column types never change a value, so there is nothing to
check there. Judged through the rows: the same before and after a refusal.
"""

from __future__ import annotations

import decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from dbshift import api
from dbshift.config import Config
from dbshift.database.connect import create_engine
from dbshift.runner import MigrationFailed

ROWS = [(1, "short", decimal.Decimal("1.25"), 5), (2, "a much longer name", decimal.Decimal("123456789.25"), 3_000_000_000)]


def _models(name: int, price: tuple[int, int], qty: type[sa.types.TypeEngine]) -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table("t", metadata, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
             sa.Column("name", sa.String(name)), sa.Column("price", sa.Numeric(*price)), sa.Column("qty", qty))
    return metadata


WIDE = _models(20, (12, 2), sa.BigInteger)
NARROW = _models(5, (6, 1), sa.Integer)


def _config(root: Path, url: str, metadata: sa.MetaData) -> Config:
    return Config(root=root, migrations=root / "migrations", url=url, url_source="test", metadata_object=metadata)


def _rows(url: str) -> list[tuple]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.exec_driver_sql("SELECT id, name, price, qty FROM t ORDER BY id")]
    finally:
        engine.dispose()


def _execute(url: str, *statements: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            for sql in statements:
                conn.exec_driver_sql(sql)
    finally:
        engine.dispose()


def _at_wide_with_rows(tmp_path: Path, url: str) -> Path:
    root = tmp_path / "project"
    (root / "migrations").mkdir(parents=True)
    api.revision(_config(root, url, WIDE), "wide", autogenerate=True)
    api.upgrade(_config(root, url, WIDE))
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(WIDE.tables["t"].insert(), [dict(zip(("id", "name", "price", "qty"), r)) for r in ROWS])
    finally:
        engine.dispose()
    return root


@pytest.mark.parametrize("server", ["postgresql", "mariadb", "mariadb-non-strict"])
def test_a_narrowing_type_change_refuses_while_rows_would_change(request, tmp_path, server):
    url = request.getfixturevalue("pg_url" if server == "postgresql" else "mysql_url")
    if server == "mariadb-non-strict":  # a server that cuts and rounds instead of failing
        url = str(sa.engine.make_url(url).update_query_dict({"init_command": "SET SESSION sql_mode = ''"})
                  .render_as_string(hide_password=False))
    root = _at_wide_with_rows(tmp_path, url)
    before = _rows(url)

    written = api.revision(_config(root, url, NARROW), "narrow", autogenerate=True)
    risks = [op.risk for op in written.ops if op.risk]
    assert any("narrows t.name from varchar(20) to varchar(5)" in r for r in risks), risks  # said before it runs

    with pytest.raises(MigrationFailed) as failed:
        api.upgrade(_config(root, url, NARROW))
    message = str(failed.value)
    assert "1 row(s) of t.name would be cut, rounded or refused by varchar(5)" in message, message
    assert "at most 5 characters" in message and "accept_loss=True" in message, message
    assert _rows(url) == before, "not a value changed"
    assert [e.revision.message for e in api.history_entries(_config(root, url, NARROW)) if e.applied] == ["wide"]

    _execute(url, "UPDATE t SET name = 'long' WHERE id = 2")  # the long name, shortened by its owner
    with pytest.raises(MigrationFailed, match=r"row\(s\) of t.price would be cut, rounded or refused by numeric\(6,1\)"):
        api.upgrade(_config(root, url, NARROW))
    if server != "postgresql":  # resuming replays the check as planned: it still refuses the same rows
        with pytest.raises(MigrationFailed, match=r"2 row\(s\) of t.price would be cut"):
            api.upgrade(_config(root, url, NARROW), resume=True)
    _execute(url, "UPDATE t SET price = 1.5 WHERE id = 1", "UPDATE t SET price = 12345.5, qty = 7 WHERE id = 2")
    # MariaDB committed the name's change (DDL commits by itself): the run goes on from there
    api.upgrade(_config(root, url, NARROW), resume=server != "postgresql")
    assert _rows(url) == [(1, "short", decimal.Decimal("1.5"), 5), (2, "long", decimal.Decimal("12345.5"), 7)]
    assert api.check(_config(root, url, NARROW)).ok


ACCEPTED = '''from dbshift.migration import *  # noqa: F401,F403

revision = "20990101000000_0001"
parents = ({parent!r},)
message = "cut names to five characters, as intended"

upgrade = [AlterColumn("t", Column("name", "varchar(20)"), Column("name", "varchar(5)"), accept_loss=True)]
'''


def test_a_migration_that_accepts_the_loss_runs(tmp_path, pg_url):
    root = _at_wide_with_rows(tmp_path, pg_url)
    parent = api.heads(_config(root, pg_url, WIDE))[0].id
    (root / "migrations" / "20990101000000_0001_cut.py").write_text(ACCEPTED.format(parent=parent))
    api.upgrade(_config(root, pg_url, WIDE))
    assert [r[1] for r in _rows(pg_url)] == ["short", "a muc"]


def test_sqlite_types_never_change_a_value(tmp_path, sqlite_url):
    root = _at_wide_with_rows(tmp_path, sqlite_url)
    before = _rows(sqlite_url)
    api.revision(_config(root, sqlite_url, NARROW), "narrow", autogenerate=True)
    api.upgrade(_config(root, sqlite_url, NARROW))
    assert _rows(sqlite_url) == before


def _moods(*values: str) -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table("m", metadata, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
             sa.Column("mood", sa.Enum(*values, name="mood")))
    return metadata


@pytest.mark.parametrize("strict", [True, False])
def test_an_enum_that_drops_a_value_in_use_refuses_on_mariadb(tmp_path, mysql_url, strict):
    url = mysql_url if strict else str(sa.engine.make_url(mysql_url).update_query_dict(
        {"init_command": "SET SESSION sql_mode = ''"}).render_as_string(hide_password=False))  # '' would replace 'sad'
    root = tmp_path / "project"
    (root / "migrations").mkdir(parents=True)
    api.revision(_config(root, url, _moods("happy", "sad", "meh")), "moods", autogenerate=True)
    api.upgrade(_config(root, url, _moods("happy", "sad", "meh")))
    _execute(url, "INSERT INTO m VALUES (1, 'happy'), (2, 'sad')")

    api.revision(_config(root, url, _moods("happy", "meh")), "no sad", autogenerate=True)
    # a named enum's change of values (AlterEnum) checks its columns' rows before it MODIFYs them
    with pytest.raises(MigrationFailed, match=r"from enum type mood: 1 row\(s\) of m.mood still hold them \(row\(s\) 2\)"):
        api.upgrade(_config(root, url, _moods("happy", "meh")))
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            assert [tuple(r) for r in conn.exec_driver_sql("SELECT id, mood FROM m ORDER BY id")] == [(1, "happy"), (2, "sad")]
    finally:
        engine.dispose()


@pytest.mark.parametrize("server", ["postgresql", "mariadb"])
def test_fewer_fractions_of_a_second_refuse_while_a_value_has_more(request, tmp_path, server):
    from sqlalchemy.dialects import mysql, postgresql

    url = request.getfixturevalue("pg_url" if server == "postgresql" else "mysql_url")

    def stamps(fsp: int) -> sa.MetaData:
        metadata = sa.MetaData()
        kind = postgresql.TIMESTAMP(precision=fsp) if server == "postgresql" else mysql.DATETIME(fsp=fsp)
        sa.Table("s", metadata, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False), sa.Column("at", kind))
        return metadata

    root = tmp_path / "project"
    (root / "migrations").mkdir(parents=True)
    api.revision(_config(root, url, stamps(6)), "micro", autogenerate=True)
    api.upgrade(_config(root, url, stamps(6)))
    _execute(url, "INSERT INTO s VALUES (1, '2026-12-06 10:00:00.5'), (2, '2026-12-06 10:00:00.123456')")

    api.revision(_config(root, url, stamps(3)), "milli", autogenerate=True)
    with pytest.raises(MigrationFailed, match=r"1 row\(s\) of s.at would be cut, rounded or refused .*: 2;"):
        api.upgrade(_config(root, url, stamps(3)))
    _execute(url, "UPDATE s SET at = '2026-12-06 10:00:00.123' WHERE id = 2")
    api.upgrade(_config(root, url, stamps(3)), resume=server != "postgresql")
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            values = [r[0].microsecond for r in conn.exec_driver_sql("SELECT at FROM s ORDER BY id")]
    finally:
        engine.dispose()
    assert values == [500000, 123000]


@pytest.mark.parametrize("server", ["postgresql", "mariadb"])
def test_a_double_that_becomes_a_single_precision_float_refuses_while_a_value_would_change(request, tmp_path, server):
    url = request.getfixturevalue("pg_url" if server == "postgresql" else "mysql_url")

    def floats(kind: type[sa.types.TypeEngine]) -> sa.MetaData:
        metadata = sa.MetaData()
        sa.Table("f", metadata, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False), sa.Column("x", kind))
        return metadata

    root = tmp_path / "project"
    (root / "migrations").mkdir(parents=True)
    api.revision(_config(root, url, floats(sa.Double)), "double", autogenerate=True)
    api.upgrade(_config(root, url, floats(sa.Double)))
    _execute(url, "INSERT INTO f VALUES (1, 0.5), (2, 0.1)")

    single = sa.REAL if server == "postgresql" else sa.Float  # MySQL's REAL means DOUBLE; its FLOAT is single
    api.revision(_config(root, url, floats(single)), "real", autogenerate=True)
    with pytest.raises(MigrationFailed, match=r"1 row\(s\) of f.x would be cut, rounded or refused .*: 2;"):
        api.upgrade(_config(root, url, floats(single)))
    _execute(url, "UPDATE f SET x = 0.25 WHERE id = 2")
    api.upgrade(_config(root, url, floats(single)), resume=server != "postgresql")
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            assert [tuple(r) for r in conn.exec_driver_sql("SELECT id, x FROM f ORDER BY id")] == [(1, 0.5), (2, 0.25)]
    finally:
        engine.dispose()


def _tags(*members: str) -> sa.MetaData:
    from sqlalchemy.dialects import mysql

    metadata = sa.MetaData()
    sa.Table("p", metadata, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
             sa.Column("tags", mysql.SET(*members)))
    return metadata


def _tag_rows(url: str) -> list[tuple]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.exec_driver_sql("SELECT id, tags FROM p ORDER BY id")]
    finally:
        engine.dispose()


TAGS_ACCEPTED = '''from dbshift.migration import *  # noqa: F401,F403

revision = "20990101000000_0002"
parents = ({parent!r},)
message = "no more red, as intended"

upgrade = [AlterColumn("p", Column("tags", "set('red','green','blue')"), Column("tags", "set('green','blue')"),
                       accept_loss=True)]
'''


@pytest.mark.parametrize("strict", [True, False])
def test_a_set_that_drops_a_member_in_use_refuses_on_mariadb(tmp_path, mysql_url, strict):
    url = mysql_url if strict else str(sa.engine.make_url(mysql_url).update_query_dict(
        {"init_command": "SET SESSION sql_mode = ''"}).render_as_string(hide_password=False))  # would drop 'red'
    root = tmp_path / "project"
    (root / "migrations").mkdir(parents=True)
    wide, narrow = _tags("red", "green", "blue"), _tags("green", "blue")
    api.revision(_config(root, url, wide), "tags", autogenerate=True)
    api.upgrade(_config(root, url, wide))
    _execute(url, "INSERT INTO p VALUES (1, 'red,green'), (2, 'green'), (3, 'red'), (4, NULL), (5, '')")
    before = _tag_rows(url)

    api.revision(_config(root, url, narrow), "no red", autogenerate=True)
    with pytest.raises(MigrationFailed) as failed:
        api.upgrade(_config(root, url, narrow))
    message = str(failed.value)
    assert "2 row(s) of p.tags would be cut, rounded or refused by set('green','blue')" in message, message
    assert "(it holds the members 'green', 'blue'): 1, 3;" in message and "accept_loss=True" in message, message
    assert _tag_rows(url) == before, "not a value changed"

    _execute(url, "UPDATE p SET tags = 'green' WHERE id IN (1, 3)")  # the owner moves them off 'red'
    api.upgrade(_config(root, url, narrow), resume=True)
    assert _tag_rows(url) == [(1, "green"), (2, "green"), (3, "green"), (4, None), (5, "")]
    assert api.check(_config(root, url, narrow)).ok


def test_a_set_migration_that_accepts_the_loss_runs(tmp_path, mysql_url):
    url = str(sa.engine.make_url(mysql_url).update_query_dict(  # a server that drops the member instead of failing
        {"init_command": "SET SESSION sql_mode = ''"}).render_as_string(hide_password=False))
    root = tmp_path / "project"
    (root / "migrations").mkdir(parents=True)
    wide = _tags("red", "green", "blue")
    api.revision(_config(root, url, wide), "tags", autogenerate=True)
    api.upgrade(_config(root, url, wide))
    parent = api.heads(_config(root, url, wide))[0].id
    _execute(url, "INSERT INTO p VALUES (1, 'red,green'), (2, 'red')")
    (root / "migrations" / "20990101000000_0002_no_red.py").write_text(TAGS_ACCEPTED.format(parent=parent))
    api.upgrade(_config(root, url, wide))
    assert _tag_rows(url) == [(1, "green"), (2, "")]
