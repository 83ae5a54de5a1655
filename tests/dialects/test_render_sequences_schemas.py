"""PostgreSQL: sequence options and database schemas, operation → SQL."""

from __future__ import annotations

from dbshift.core import ops as o
from dbshift.core.model import Column, Index, Schema, Sequence, Table
from dbshift.render import render


def sql(op: o.Op) -> list[str]:
    return [s.sql for s in render(op, "postgresql", Schema())]


def test_create_sequence_names_only_the_options_that_are_not_defaults():
    assert sql(o.CreateSequence(Sequence("plain", start=1, cache=1))) == ["CREATE SEQUENCE plain"]
    full = Sequence("Order No", schema="Sales", start=-10, increment=-2, minvalue=-100, cache=5, cycle=True,
                    data_type="integer")
    assert sql(o.CreateSequence(full)) == [
        'CREATE SEQUENCE "Sales"."Order No" AS integer INCREMENT BY -2 MINVALUE -100 START WITH -10 CACHE 5 CYCLE'
    ]


def test_alter_sequence_sets_what_changed_and_unsetting_means_the_default_value():
    old = Sequence("s", increment=5, maxvalue=1000, cycle=True, cache=10)
    assert sql(o.AlterSequence(old, Sequence("s"))) == [
        "ALTER SEQUENCE s INCREMENT BY 1 MAXVALUE 9223372036854775807 CACHE 1 NO CYCLE"
    ]
    assert sql(o.AlterSequence(Sequence("s"), Sequence("s", data_type="integer"))) == [
        "ALTER SEQUENCE s AS integer MAXVALUE 2147483647"
    ]


def test_a_raised_minimum_first_moves_a_lower_current_value_into_the_range():
    assert sql(o.AlterSequence(Sequence("s"), Sequence("s", minvalue=1000))) == [
        "SELECT setval('s', 1000, false) FROM s WHERE last_value < 1000",
        "ALTER SEQUENCE s MINVALUE 1000 START WITH 1000",
    ]


def test_schemas_are_created_and_dropped_quoted_when_needed():
    assert sql(o.CreateSchema("audit")) == ["CREATE SCHEMA audit"]
    assert sql(o.DropSchema("Mixed Case")) == ['DROP SCHEMA "Mixed Case"']


SERIAL = Table("t", (Column("id", "integer", nullable=False, autoincrement=True),))


def test_detaching_keeps_the_sequence_and_gives_it_its_standalone_options():
    op = o.DetachSequence("t", "id", Sequence("t_id_seq", cache=5))
    assert [s.sql for s in render(op, "postgresql", Schema.of([SERIAL]))] == [
        "ALTER SEQUENCE t_id_seq AS bigint MAXVALUE 9223372036854775807 CACHE 5 OWNED BY NONE"
    ]


def test_attaching_gives_it_the_options_serial_would_and_the_column_as_owner():
    op = o.AttachSequence("t", "id", Sequence("t_id_seq", data_type="integer"))
    assert [s.sql for s in render(op, "postgresql", Schema.of([SERIAL]))] == ["ALTER SEQUENCE t_id_seq OWNED BY t.id"]


def test_a_column_made_serial_uses_a_standalone_sequence_of_that_name_instead_of_creating_one():
    before = Column("id", "integer", nullable=False, default="nextval('t_id_seq'::regclass)")
    op = o.AlterColumn("t", before, SERIAL.columns[0])
    state = Schema.of([Table("t", (before,))], sequences=[Sequence("t_id_seq")])
    assert [s.sql for s in render(op, "postgresql", state)] == [
        "ALTER TABLE t ALTER COLUMN id DROP DEFAULT",
        "ALTER TABLE t ALTER COLUMN id SET DEFAULT nextval('t_id_seq'::regclass)",
    ]


def test_unlogged_tables_are_created_unlogged_and_switched_either_way():
    scratch = Table("scratch", (Column("id", "integer"),), unlogged=True, schema="tmp")
    assert sql(o.CreateTable(scratch)) == ['CREATE UNLOGGED TABLE tmp.scratch (\n    id INTEGER\n)']
    assert sql(o.AlterTableLogging("scratch", False, "tmp")) == ["ALTER TABLE tmp.scratch SET LOGGED"]
    assert sql(o.AlterTableLogging("scratch", False, "tmp").reverse()) == ["ALTER TABLE tmp.scratch SET UNLOGGED"]


def test_a_serial_columns_own_sequence_is_renamed_and_altered_after_serial_made_it():
    own = Sequence("Ticket No", data_type="bigint", increment=10, owned_by=("t", "id"))
    assert [s.sql for s in render(o.CreateSequence(own), "postgresql", Schema.of([SERIAL]))] == [
        'ALTER SEQUENCE t_id_seq RENAME TO "Ticket No"',
        'ALTER SEQUENCE "Ticket No" AS bigint INCREMENT BY 10 MAXVALUE 9223372036854775807',
    ]
    # dropping it gives the column back the sequence SERIAL would; with the table gone, it went with it
    assert [s.sql for s in render(o.DropSequence(own), "postgresql", Schema.of([SERIAL]))] == [
        'ALTER SEQUENCE "Ticket No" AS integer INCREMENT BY 1 MAXVALUE 2147483647',
        'ALTER SEQUENCE "Ticket No" RENAME TO t_id_seq',
    ]
    assert sql(o.DropSequence(own)) == ['DROP SEQUENCE IF EXISTS "Ticket No"']


def test_cluster_marks_follow_the_table():
    clustered = Table("t", (Column("id", "integer"),), indexes=(Index("ix_t_id", ("id",)),), cluster_on="ix_t_id")
    assert sql(o.CreateTable(clustered))[-1] == "ALTER TABLE t CLUSTER ON ix_t_id"
    assert sql(o.AlterTableCluster("t", "ix_t_id", None)) == ["ALTER TABLE t SET WITHOUT CLUSTER"]
    assert sql(o.AlterTableCluster("t", None, "Mixed")) == ['ALTER TABLE t CLUSTER ON "Mixed"']
