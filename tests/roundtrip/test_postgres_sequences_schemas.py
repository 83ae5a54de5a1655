"""PostgreSQL sequences (with every option) and database schemas, migrated for real both ways."""

from __future__ import annotations

import sqlalchemy as sa

from dbshift import api
from dbshift.config import Config
from dbshift.core import ops as o


def plain_sequence(md: sa.MetaData) -> None:
    sa.Sequence("ticket", metadata=md)


def tuned_sequence(md: sa.MetaData) -> None:
    sa.Sequence("ticket", start=100, increment=5, minvalue=100, maxvalue=10**6, cycle=True, cache=10,
                data_type=sa.Integer, metadata=md)


def test_changed_sequence_options_alter_it_in_place(pg_url, roundtrip, rows):
    result = roundtrip(pg_url, plain_sequence, tuned_sequence, ["SELECT nextval('ticket')"])
    assert [type(op) for op in result.ops] == [o.AlterSequence]
    # the sequence went on from the new minimum instead of refusing the narrower range
    assert rows(pg_url, "ticket", "last_value") == [(100,)]


def no_invoices(md: sa.MetaData) -> None:
    sa.Table("customer", md, sa.Column("id", sa.Integer, primary_key=True))


def invoices(md: sa.MetaData) -> None:
    no_invoices(md)
    sa.Sequence("invoice_no", start=1000, metadata=md)
    sa.Table(
        "invoice", md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("no", sa.BigInteger, nullable=False, server_default=sa.text("nextval('invoice_no'::regclass)")),
    )


def test_a_new_table_numbered_by_a_new_sequence(pg_url, roundtrip):
    result = roundtrip(pg_url, no_invoices, invoices)
    assert [type(op) for op in result.ops] == [o.CreateSequence, o.CreateTable]


def audited(md: sa.MetaData) -> None:
    no_invoices(md)
    sa.Sequence("entry_no", schema="Audit Log", increment=10, metadata=md)
    sa.Table(
        "Entry", md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("no", sa.BigInteger, server_default=sa.text('nextval(\'"Audit Log".entry_no\'::regclass)')),
        sa.Column("kind", sa.Enum("insert", "delete", name="Kind", schema="Audit Log")),
        sa.Column("customer_id", sa.ForeignKey("customer.id")),
        schema="Audit Log",
        comment="what happened",
    )


def test_a_schema_the_models_name_is_created_first_and_dropped_on_downgrade(pg_url, roundtrip, tmp_path):
    result = roundtrip(pg_url, no_invoices, audited)
    assert [op.describe() for op in result.ops] == [
        "create schema Audit Log",
        "create enum type Audit Log.Kind",
        "create sequence Audit Log.entry_no",
        "create table Audit Log.Entry",
    ]
    assert "Audit Log" in _namespaces(pg_url)
    root = tmp_path / "project"  # where the roundtrip fixture keeps its migrations
    api.downgrade(Config(root=root, migrations=root / "migrations", url=pg_url, url_source="test",
                         metadata_object=_models(no_invoices)), "-1")
    assert "Audit Log" not in _namespaces(pg_url)


def _models(build) -> sa.MetaData:  # noqa: ANN001
    md = sa.MetaData()
    build(md)
    return md


def _namespaces(url: str) -> list[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        names = [r[0] for r in conn.exec_driver_sql("SELECT nspname FROM pg_namespace")]
    engine.dispose()
    return names


def serial_ticket(md: sa.MetaData) -> None:
    sa.Table("ticket", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("title", sa.Text))


def numbered_ticket(md: sa.MetaData) -> None:
    sa.Sequence("ticket_id_seq", metadata=md)
    sa.Table(
        "ticket", md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False,
                  server_default=sa.text("nextval('ticket_id_seq'::regclass)")),
        sa.Column("title", sa.Text),
    )


def test_a_serial_columns_sequence_becomes_standalone_and_keeps_counting(pg_url, roundtrip, execute, rows):
    seed = ["INSERT INTO ticket (title) VALUES ('first'), ('second')"]
    result = roundtrip(pg_url, serial_ticket, numbered_ticket, seed, {"ticket": "id, title"})
    assert [type(op) for op in result.ops] == [o.DetachSequence, o.AlterColumn]
    execute(pg_url, "INSERT INTO ticket (title) VALUES ('third')")
    assert rows(pg_url, "ticket", "id, title") == [(1, "first"), (2, "second"), (3, "third")]


def logged(md: sa.MetaData) -> None:
    sa.Table("scratch", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("note", sa.Text))


def unlogged(md: sa.MetaData) -> None:
    sa.Table("scratch", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("note", sa.Text),
             prefixes=["UNLOGGED"])


def test_a_table_made_unlogged_keeps_its_rows(pg_url, roundtrip):
    result = roundtrip(pg_url, logged, unlogged, ["INSERT INTO scratch VALUES (1, 'kept')"], {"scratch": "id, note"})
    assert result.ops == (o.AlterTableLogging("scratch", True),)


def numbered_by_own_sequence(md: sa.MetaData) -> None:
    no_invoices(md)
    receipt(md)


def receipt(md: sa.MetaData) -> None:
    sa.Table(
        "receipt", md,
        sa.Column("id", sa.Integer, sa.Sequence("receipt_no", start=500, schema="Audit Log"), primary_key=True),
        sa.Column("total", sa.Numeric(10, 2)),
    )


def test_a_column_numbered_by_its_own_sa_sequence(pg_url, roundtrip, tmp_path):
    result = roundtrip(pg_url, no_invoices, numbered_by_own_sequence)
    assert [op.describe() for op in result.ops] == [
        "create schema Audit Log", "create sequence Audit Log.receipt_no", "create table receipt",
    ]
    models = _models(numbered_by_own_sequence)
    engine = sa.create_engine(pg_url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.execute(models.tables["receipt"].insert().values(total=1))  # SQLAlchemy asks the sequence
        assert conn.exec_driver_sql("SELECT id FROM receipt").scalar() == 500
    engine.dispose()


def test_a_database_made_by_create_all_with_sequences_and_schemas_has_nothing_to_change(pg_url, tmp_path):
    models = sa.MetaData()
    for build in (audited, receipt, tuned_sequence, unlogged):
        build(models)
    engine = sa.create_engine(pg_url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.exec_driver_sql('CREATE SCHEMA "Audit Log"')  # create_all does not create schemas
    models.create_all(engine)
    engine.dispose()
    root = tmp_path / "p"
    (root / "migrations").mkdir(parents=True)
    assert api.check(Config(root=root, migrations=root / "migrations", url=pg_url, url_source="test",
                            metadata_object=models)).ops == ()


def test_serial_sequence_options_and_cluster_marks_set_by_hand_are_not_a_difference_from_the_models(
    pg_url, tmp_path, execute
):
    models = _models(serial_ticket)
    engine = sa.create_engine(pg_url, poolclass=sa.pool.NullPool)
    models.create_all(engine)
    engine.dispose()
    execute(pg_url, "ALTER SEQUENCE ticket_id_seq AS bigint INCREMENT BY 5 CACHE 20")  # a restored old dump, say
    execute(pg_url, "ALTER TABLE ticket CLUSTER ON ticket_pkey")
    root = tmp_path / "p"
    (root / "migrations").mkdir(parents=True)
    assert api.check(Config(root=root, migrations=root / "migrations", url=pg_url, url_source="test",
                            metadata_object=models)).ops == ()
