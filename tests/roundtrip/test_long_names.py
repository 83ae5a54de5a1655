"""Names over a database's limit: refused before anything is written, never a drop/create loop.

PostgreSQL keeps the first 63 bytes of a longer name (with a notice), so a table
made from a 70-character model name would never match its model, and each
autogenerate would drop it, rows and all, and create it again.  MySQL/MariaDB
refuse names over 64 characters.  dbshift refuses them at generation time
(``revision --autogenerate`` and ``check``) with one line naming the object and
the limit.  Names a naming convention makes are shortened exactly as
SQLAlchemy's ``create_all()`` shortens them, so a database it made matches.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from dbshift import api
from dbshift.config import Config
from dbshift.core import model as m
from dbshift.core.identifiers import NameTooLong

LONG = "order_line_item_adjustment_history_for_quarterly_reconciliation_report"  # 70 characters
CUT = LONG.encode()[:63].decode()  # what PostgreSQL keeps of it


def project(tmp_path: Path, url: str, md: sa.MetaData) -> Config:
    root = tmp_path / "project"
    (root / "migrations").mkdir(parents=True, exist_ok=True)
    return Config(root=root, migrations=root / "migrations", url=url, url_source="test", metadata_object=md)


def table_named(name: str, **columns: sa.types.TypeEngine) -> sa.MetaData:
    md = sa.MetaData()
    sa.Table(name, md, sa.Column("id", sa.Integer, primary_key=True),
             *(sa.Column(c, t) for c, t in columns.items()))
    return md


def execute(url: str, *statements: str) -> None:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        for sql in statements:
            conn.exec_driver_sql(sql)
    engine.dispose()


def scalar(url: str, sql: str) -> object:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        value = conn.exec_driver_sql(sql).scalar()
    engine.dispose()
    return value


def test_a_70_character_table_name_is_refused_on_postgresql_with_one_line(pg_url, tmp_path):
    assert len(LONG) == 70
    config = project(tmp_path, pg_url, table_named(LONG))
    with pytest.raises(NameTooLong) as refused:
        api.revision(config, "long", autogenerate=True)
    assert str(refused.value) == (
        f"the name of table {LONG} is 70 bytes long; PostgreSQL allows 63 (it would keep only the first 63): "
        "give it a shorter name in the models"
    )
    assert list(config.migrations.iterdir()) == [], "nothing written"
    with pytest.raises(NameTooLong):
        api.check(config)
    assert scalar(pg_url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == 0


def test_an_existing_truncated_table_is_never_dropped(pg_url, tmp_path):
    """A table made from the long name before (PostgreSQL cut it to 63 bytes) keeps its rows."""
    execute(pg_url, f'CREATE TABLE "{LONG}" (id INTEGER PRIMARY KEY, note VARCHAR(20))',
            f"INSERT INTO \"{CUT}\" VALUES (1, 'keep me'), (2, 'me too')")
    long_models = table_named(LONG, note=sa.String(20))
    with pytest.raises(NameTooLong):  # the models still say the long name: refused, not drop + create
        api.revision(project(tmp_path, pg_url, long_models), "again", autogenerate=True)
    assert list((tmp_path / "project" / "migrations").iterdir()) == []

    # named as the database holds it, the models match: nothing to do, ever
    md = sa.MetaData()
    sa.Table(CUT, md, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
             sa.Column("note", sa.String(20)), sa.PrimaryKeyConstraint("id", name=f"{LONG}_pkey"[:63]))
    config = project(tmp_path, pg_url, md)
    assert api.revision(config, "none", autogenerate=True).path is None
    assert api.check(config).ops == ()
    assert scalar(pg_url, f'SELECT count(*) FROM "{CUT}"') == 2


def test_long_index_and_constraint_names_are_refused(pg_url, tmp_path):
    md = table_named("t", code=sa.String(10))
    md.tables["t"].append_constraint(sa.UniqueConstraint("code", name="uq_" + "x" * 61))  # 64 characters
    config = project(tmp_path, pg_url, md)
    with pytest.raises(NameTooLong, match=r"^the name of constraint uq_x+ of table t is 64 bytes long"):
        api.revision(config, "long", autogenerate=True)
    md = table_named("t", code=sa.String(10))
    sa.Index("ix_" + "é" * 31, md.tables["t"].c.code)  # 34 characters, 65 bytes of UTF-8
    with pytest.raises(NameTooLong, match=r"^the name of index ix_é+ of table t is 65 bytes long"):
        api.revision(project(tmp_path, pg_url, md), "long", autogenerate=True)
    assert list((tmp_path / "project" / "migrations").iterdir()) == []


def test_mariadb_counts_characters_and_refuses_over_64(mysql_url, tmp_path):
    wide = "é" * 40  # 80 bytes, 40 characters: MariaDB takes it
    config = project(tmp_path, mysql_url, table_named(wide))
    api.revision(config, "wide", autogenerate=True)
    api.upgrade(config)
    assert api.check(config).ops == ()
    config = project(tmp_path, mysql_url, table_named(wide, **{"c" * 65: sa.Integer()}))
    with pytest.raises(NameTooLong, match=r"^the name of column .*\.c{65} is 65 characters long; MariaDB allows 64"
                       r"|^the name of column .*\.c{65} is 65 characters long; MySQL allows 64"):
        api.revision(config, "long column", autogenerate=True)
    assert len(list(config.migrations.iterdir())) == 1


def conventions() -> sa.MetaData:
    md = sa.MetaData(naming_convention={
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
    })
    parent = sa.Table("parent_with_a_rather_long_descriptive_name", md, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table(
        "child_with_a_rather_long_descriptive_name", md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("parent_with_a_rather_long_descriptive_name_id", sa.ForeignKey(parent.c.id), index=True),
        sa.Column("code_of_the_child_with_a_rather_long_name", sa.String(10), unique=True),
    )
    return md


@pytest.mark.parametrize("made_by", ["create_all", "dbshift"])
def test_naming_convention_names_are_shortened_as_sqlalchemy_does(db_url, tmp_path, made_by):
    md = conventions()
    config = project(tmp_path, db_url, md)
    if made_by == "create_all":
        engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
        md.create_all(engine)
        engine.dispose()
    else:
        api.revision(config, "tables", autogenerate=True)
        api.upgrade(config)
    assert api.check(config).ops == ()
    assert api.revision(config, "nothing", autogenerate=True).path is None
    if sa.engine.make_url(db_url).get_backend_name() == "postgresql":
        names = scalar(db_url, "SELECT string_agg(conname, ',' ORDER BY conname) FROM pg_constraint "
                               "WHERE conrelid = 'child_with_a_rather_long_descriptive_name'::regclass")
        assert all(len(n) <= 63 for n in str(names).split(","))


def test_a_serial_sequence_of_a_long_table_is_named_as_postgresql_names_it(pg_url, tmp_path):
    """SERIAL names the sequence ``table_column_seq``, shortening the longer part to fit 63 bytes."""
    table, column = "shipment_tracking_event_with_carrier_status_detail", "event_sequence_number"  # 50 + 21
    md = sa.MetaData()
    sa.Table(table, md, sa.Column(column, sa.Integer, primary_key=True), sa.Column("note", sa.String(10)))
    config = project(tmp_path, pg_url, md)
    api.revision(config, "serial", autogenerate=True)
    api.upgrade(config)
    made = scalar(pg_url, f"SELECT pg_get_serial_sequence('{table}', '{column}')")
    assert made == "public.shipment_tracking_event_with_carrier__event_sequence_number_seq"
    assert made == f"public.{m.serial_sequence_name(table, column)}"
    assert api.check(config).ops == ()

    md = sa.MetaData()  # the column stops numbering itself: its sequence goes with its default
    sa.Table(table, md, sa.Column(column, sa.Integer, primary_key=True, autoincrement=False),
             sa.Column("note", sa.String(10)))
    config = project(tmp_path, pg_url, md)
    api.revision(config, "no serial", autogenerate=True)
    api.upgrade(config)
    assert scalar(pg_url, "SELECT count(*) FROM pg_class WHERE relkind = 'S'") == 0
    assert api.check(config).ops == ()
