"""MariaDB sequences (10.3+): modelled, reflected, created, altered and dropped for real, both ways."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from dbshift import api
from dbshift.config import Config
from dbshift.core import ops as o
from dbshift.database.connect import create_engine
from dbshift.render import UnsupportedOperation, render
from dbshift.sqla.from_metadata import from_metadata
from dbshift.sqla.reflect import reflect


def _scalar(url: str, sql: str) -> object:
    engine = create_engine(url)
    with engine.begin() as conn:
        value = conn.exec_driver_sql(sql).scalar()
    engine.dispose()
    return value


def _settings(url: str, name: str) -> tuple:
    """``(start, increment, minimum, maximum, cycle, cache)`` as MariaDB holds them."""
    engine = create_engine(url)
    with engine.connect() as conn:
        row = conn.exec_driver_sql(
            f"SELECT start_value, increment, minimum_value, maximum_value, cycle_option, cache_size FROM `{name}`"
        ).one()
    engine.dispose()
    return tuple(row)


def _config(root: Path, url: str, md: sa.MetaData) -> Config:
    (root / "migrations").mkdir(parents=True, exist_ok=True)
    return Config(root=root, migrations=root / "migrations", url=url, url_source="test", metadata_object=md)


def customers(md: sa.MetaData) -> None:
    sa.Table("customer", md, sa.Column("id", sa.Integer, primary_key=True))


def plain_ticket(md: sa.MetaData) -> None:
    customers(md)
    sa.Sequence("ticket", metadata=md)


def tuned_ticket(md: sa.MetaData) -> None:
    customers(md)
    sa.Sequence("ticket", start=100, increment=5, minvalue=100, maxvalue=10**6, cycle=True, cache=10, metadata=md)


def test_a_new_sequence_is_created_and_dropped_on_downgrade(mysql_url, roundtrip):
    result = roundtrip(mysql_url, customers, tuned_ticket)
    assert [type(op) for op in result.ops] == [o.CreateSequence]
    assert _settings(mysql_url, "ticket") == (100, 5, 100, 10**6, 1, 10)
    assert _scalar(mysql_url, "SELECT NEXTVAL(ticket)") == 100


def test_changed_options_alter_it_in_place_and_it_goes_on_from_the_new_minimum(mysql_url, roundtrip):
    result = roundtrip(mysql_url, plain_ticket, tuned_ticket, ["SELECT NEXTVAL(ticket)"])
    assert [type(op) for op in result.ops] == [o.AlterSequence]
    assert _settings(mysql_url, "ticket") == (100, 5, 100, 10**6, 1, 10)
    first = _scalar(mysql_url, "SELECT NEXTVAL(ticket)")
    assert isinstance(first, int) and 100 <= first <= 10**6
    assert _scalar(mysql_url, "SELECT NEXTVAL(ticket)") == first + 5


@pytest.mark.parametrize(
    "options, settings",
    [
        ({"start": 50}, (50, 1, 1, 2**63 - 2, 0, 1000)),
        ({"increment": 3}, (1, 3, 1, 2**63 - 2, 0, 1000)),
        ({"cycle": True, "maxvalue": 9}, (1, 1, 1, 9, 1, 1000)),
        ({"cache": 25}, (1, 1, 1, 2**63 - 2, 0, 25)),
        ({"increment": -1}, (-1, -1, -(2**63 - 1), -1, 0, 1000)),
    ],
    ids=["start", "increment", "cycle", "cache", "descending"],
)
def test_each_option_changes_and_changes_back(mysql_url, roundtrip, options, settings):
    def changed(md: sa.MetaData) -> None:
        customers(md)
        sa.Sequence("ticket", metadata=md, **options)

    result = roundtrip(mysql_url, plain_ticket, changed)
    assert [type(op) for op in result.ops] == [o.AlterSequence]
    assert _settings(mysql_url, "ticket") == settings


def invoices(md: sa.MetaData) -> None:
    customers(md)
    number = sa.Sequence("invoice_no", start=1000, metadata=md)
    sa.Table(
        "invoice", md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("no", sa.BigInteger, nullable=False, server_default=number.next_value()),
        sa.Column("ref", sa.BigInteger, server_default=sa.text("nextval(invoice_no)")),
    )


def test_a_new_table_numbered_by_a_new_sequence(mysql_url, roundtrip, execute, rows):
    result = roundtrip(mysql_url, customers, invoices)
    assert [type(op) for op in result.ops] == [o.CreateSequence, o.CreateTable]
    execute(mysql_url, "INSERT INTO invoice (id) VALUES (1)")
    execute(mysql_url, "INSERT INTO invoice (id) VALUES (2)")
    assert rows(mysql_url, "invoice", "id, no, ref") == [(1, 1000, 1001), (2, 1002, 1003)]


def test_a_sequence_the_models_drop_is_dropped_and_restored_on_downgrade(mysql_url, roundtrip):
    result = roundtrip(mysql_url, tuned_ticket, customers)
    assert [type(op) for op in result.ops] == [o.DropSequence]
    assert _scalar(mysql_url, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_NAME = 'ticket' "
                              "AND TABLE_SCHEMA = DATABASE()") == 0


def everything(md: sa.MetaData) -> None:
    invoices(md)
    sa.Sequence("ticket", start=100, increment=5, minvalue=100, maxvalue=10**6, cycle=True, cache=10, metadata=md)
    sa.Sequence("countdown", increment=-1, metadata=md)
    sa.Table("item", md, sa.Column("id", sa.Integer, sa.Sequence("item_id_seq"), primary_key=True),
             sa.Column("name", sa.String(40)))


def test_models_made_by_create_all_are_clean_and_their_sequences_are_no_tables(mysql_url, tmp_path):
    md = sa.MetaData()
    everything(md)
    engine = create_engine(mysql_url)
    md.create_all(engine)
    with engine.connect() as conn:
        schema = reflect(conn)
    engine.dispose()
    assert [t.name for t in schema.tables] == ["customer", "invoice", "item"]
    assert [s.name for s in schema.sequences] == ["countdown", "invoice_no", "item_id_seq", "ticket"]
    assert api.check(_config(tmp_path / "p", mysql_url, md)).ops == ()


def test_models_without_the_sequences_drop_only_sequences(mysql_url, tmp_path):
    md = sa.MetaData()
    everything(md)
    engine = create_engine(mysql_url)
    md.create_all(engine)
    engine.dispose()
    bare = sa.MetaData()  # the same tables, numbered by nothing
    customers(bare)
    sa.Table("invoice", bare, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("no", sa.BigInteger, nullable=False), sa.Column("ref", sa.BigInteger))
    sa.Table("item", bare, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
             sa.Column("name", sa.String(40)))
    ops = api.check(_config(tmp_path / "p", mysql_url, bare)).ops
    assert sorted(op.describe() for op in ops) == [
        "alter column invoice.no (default)", "alter column invoice.ref (default)",
        "drop sequence countdown", "drop sequence invoice_no", "drop sequence item_id_seq", "drop sequence ticket",
    ]


def test_diff_between_databases_creates_the_missing_sequence(mysql_url, mariadb_server, tmp_path):
    md = sa.MetaData()
    tuned_ticket(md)
    engine = create_engine(mysql_url)
    md.create_all(engine)
    engine.dispose()
    other = mariadb_server.create()
    try:
        result = api.diff_databases(other, mysql_url)
    finally:
        mariadb_server.drop(other)
    assert "CREATE SEQUENCE ticket INCREMENT BY 5 MINVALUE 100 MAXVALUE 1000000 CACHE 10 CYCLE;" in result.sql
    assert [t.name for t in api.database_schema(_config(tmp_path / "p", mysql_url, md))[0].tables] == ["customer"]


def test_mysql_has_no_sequences_and_says_so_in_one_line():
    md = sa.MetaData()
    tuned_ticket(md)
    assert from_metadata(md, "mysql").sequences == ()
    assert len(from_metadata(md, "mariadb").sequences) == 1
    with pytest.raises(UnsupportedOperation) as caught:
        render(o.CreateSequence(from_metadata(md, "mariadb").sequences[0]), "mysql", from_metadata(md, "mysql"))
    assert str(caught.value) == (
        "cannot create sequence ticket on mysql: MySQL has no sequences (an AUTO_INCREMENT column numbers rows by itself)"
    )
