"""Sequences with options and database schemas: model values, differ, order (no database)."""

from __future__ import annotations

import pytest

from dbshift.core import ops as o
from dbshift.core.diff import diff
from dbshift.core.model import Column, Enum, PrimaryKey, Schema, Sequence, Table
from dbshift.core.order import order


def test_options_spelled_with_their_default_compare_equal():
    spelled = Sequence("s", start=1, increment=1, minvalue=1, maxvalue=2**63 - 1, cache=1, data_type="bigint")
    assert spelled == Sequence("s")
    assert Sequence("s", data_type="integer", maxvalue=2**31 - 1) == Sequence("s", data_type="integer")
    # the start defaults to the minimum, or to the maximum when descending
    assert Sequence("s", minvalue=10, start=10) == Sequence("s", minvalue=10)
    assert Sequence("s", increment=-1, start=-1, maxvalue=-1, minvalue=-(2**63)) == Sequence("s", increment=-1)
    assert Sequence("s", cycle=True) != Sequence("s")


def test_an_unknown_data_type_is_refused():
    with pytest.raises(ValueError, match="'numeric' is not one of smallint, integer, bigint"):
        Sequence("s", data_type="numeric")


def test_changed_options_alter_the_sequence_in_place_and_reverse_exactly():
    old = Sequence("s", schema="app")
    new = Sequence("s", increment=5, maxvalue=1000, cycle=True, cache=20, schema="app")
    ops = order(diff(Schema.of(sequences=[old]), Schema.of(sequences=[new])))
    assert ops == [o.AlterSequence(old, new)]
    assert ops[0].describe() == "alter sequence app.s (increment, maxvalue, cache, cycle)"
    assert ops[0].reverse() == o.AlterSequence(new, old)
    assert o.apply_all(Schema.of(sequences=[old]), ops) == Schema.of(sequences=[new])


def test_alter_sequence_cannot_rename():
    with pytest.raises(ValueError, match="cannot rename"):
        o.AlterSequence(Sequence("a"), Sequence("b"))


def table(name: str, *columns: Column, schema: str | None = None) -> Table:
    id_ = Column("id", "integer", nullable=False)
    return Table(name, (id_,) + columns, PrimaryKey(("id",), f"{name}_pkey"), schema=schema)


def test_a_new_schema_is_created_before_its_objects_and_an_old_one_dropped_after():
    old = Schema.of([table("log", schema="old")], schemas=["old"])
    mood = Enum("mood", ("a", "b"), schema="new")
    new = Schema.of(
        [table("event", Column("mood", "enum:new.mood('a','b')"), Column("n", "bigint", default="nextval('new.n')"),
               schema="new")],
        [mood],
        [Sequence("n", schema="new")],
        schemas=["new"],
    )
    ops = order(diff(old, new))
    assert [op.describe() for op in ops] == [
        "drop table old.log",
        "create schema new",
        "create enum type new.mood",
        "create sequence new.n",
        "create table new.event",
        "drop schema old",
    ]
    assert o.apply_all(old, ops) == new
    assert o.apply_all(new, o.reverse_all(ops)) == old


def test_schemas_are_kept_sorted_and_unique():
    assert Schema.of(schemas=["b", "a", "b"]).schemas == ("a", "b")
    with pytest.raises(ValueError, match="already exists"):
        o.CreateSchema("a").apply(Schema.of(schemas=["a"]))
    with pytest.raises(KeyError):
        o.DropSchema("x").apply(Schema())


def test_a_serial_columns_sequence_is_detached_and_attached_not_created_or_dropped():
    serial = Table("t", (Column("id", "integer", nullable=False, autoincrement=True),))
    numbered = Table("t", (Column("id", "integer", nullable=False, default="nextval('t_id_seq'::regclass)"),))
    standalone = Sequence("t_id_seq")
    a, b = Schema.of([serial]), Schema.of([numbered], sequences=[standalone])
    forward = order(diff(a, b))
    assert [type(op) for op in forward] == [o.DetachSequence, o.AlterColumn]
    assert forward[0] == o.DetachSequence("t", "id", standalone)
    backward = order(diff(b, a))
    assert [type(op) for op in backward] == [o.AlterColumn, o.AttachSequence]
    assert o.apply_all(a, forward) == b and o.apply_all(b, backward) == a
    assert o.reverse_all(forward) == backward
