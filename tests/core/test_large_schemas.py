"""Large schemas: the differ and the ordering give what they give on small ones, in time linear in the tables."""

from __future__ import annotations

import random
import time

from dbshift.core import ops as o
from dbshift.core.diff import diff
from dbshift.core.model import Column, ForeignKey, PrimaryKey, Schema, Table
from dbshift.core.order import order

ID = Column("id", "integer", nullable=False, autoincrement=True)


def chain(n: int) -> list[Table]:
    """``t0000 … t{n-1}``, each referencing the one before it (the longest chain of references)."""
    tables = [Table("t0000", (ID,), PrimaryKey(("id",)))]
    for i in range(1, n):
        fk = ForeignKey(("parent_id",), f"t{i - 1:04d}", ("id",))
        tables.append(Table(f"t{i:04d}", (ID, Column("parent_id", "integer")), PrimaryKey(("id",)), foreign_keys=(fk,)))
    return tables


def test_a_long_chain_of_new_tables_is_created_referenced_first():
    tables = chain(2000)
    random.Random(7).shuffle(tables)
    ops = order(diff(Schema(), Schema.of(tables)))
    assert [op.table.name for op in ops if isinstance(op, o.CreateTable)] == [f"t{i:04d}" for i in range(2000)]
    assert not [op for op in ops if isinstance(op, o.AddConstraint)]  # no cycle: every key stays in its table


def test_a_long_chain_of_tables_is_dropped_referencing_first():
    ops = order(diff(Schema.of(chain(2000)), Schema()))
    assert [op.table.name for op in ops if isinstance(op, o.DropTable)] == [f"t{i:04d}" for i in range(1999, -1, -1)]


def test_lookups_by_key_find_the_first_of_each_key():
    schema = Schema(tuple(chain(3)) + (Table("t0001", (ID,)),))
    assert schema.table("t0001").foreign_keys  # the first one, as a scan would find it
    assert schema.has_table("t0002") and not schema.has_table("t9999")


def test_ordering_and_comparing_grow_linearly_with_the_tables():
    def seconds(n: int) -> float:
        tables = chain(n)
        started = time.process_time()
        order(diff(Schema(), Schema.of(tables)))
        diff(Schema.of(tables), Schema.of(tables))
        return time.process_time() - started

    seconds(500)  # warm up
    small, large = min(seconds(1000) for _ in range(3)), min(seconds(4000) for _ in range(3))
    assert large < 4 * small * 2.5, (small, large)  # 4x the tables: well under 10x the time (quadratic: 16x)
