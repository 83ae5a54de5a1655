"""Order operations so that each runs after what it depends on.

Drops of foreign keys come first, then other drops, then new schemas,
types and sequences, renames, table creation (referenced tables before
referencing ones), column changes, and finally new constraints and indexes,
foreign keys last; schemas are dropped at the very end, once empty.  Foreign-key
cycles among created (or dropped) tables are split out into separate
``AddConstraint`` (or ``DropConstraint``) operations.  The result is
deterministic for a given set of operations.
"""

from __future__ import annotations

from dataclasses import replace

from . import ops as o
from .model import ForeignKey, Table, qualified


def _phase(op: o.Op) -> float:
    if isinstance(op, o.DropConstraint):
        return 0 if isinstance(op.constraint, ForeignKey) else 1
    if isinstance(op, o.AddConstraint):
        return 12 if isinstance(op.constraint, ForeignKey) else 11
    if isinstance(op, o.CreateSequence) and op.sequence.owned_by:
        return 8.5  # a serial column's own: once SERIAL has created it
    return _PHASES.get(type(op), 13)


_PHASES: dict[type, float] = {
    o.DropIndex: 1,
    o.DropTable: 2,
    o.CreateSchema: 2.5,  # before anything is created in it
    o.CreateEnum: 3, o.AlterEnum: 3, o.CreateSequence: 3, o.AlterSequence: 3, o.DetachSequence: 3,
    o.RenameTable: 4,
    o.RenameColumn: 5,
    o.CreateTable: 6,
    o.AddColumn: 7,
    o.AlterColumn: 8, o.AlterTableComment: 8, o.AlterTableLogging: 8, o.AlterTableOptions: 8,
    o.AttachSequence: 8.5,  # after the column's default is set to it
    o.DropColumn: 9,
    o.DropEnum: 10, o.DropSequence: 10,
    o.CreateIndex: 11,
    o.AlterTableCluster: 12.5,  # once its index exists
    o.DropSchema: 14,  # after everything in it is gone
}


def order(ops: list[o.Op]) -> list[o.Op]:
    """Return ``ops`` in an order that a database accepts."""
    creates = [op for op in ops if isinstance(op, o.CreateTable)]
    drops = [op for op in ops if isinstance(op, o.DropTable)]
    rest = [op for op in ops if not isinstance(op, (o.CreateTable, o.DropTable))]
    created, deferred_adds = _sort_tables([c.table for c in creates], reverse=False)
    dropped, early_drops = _sort_tables([d.table for d in drops], reverse=True)
    rest += [o.AddConstraint(t.name, fk, t.schema) for t, fk in deferred_adds]
    rest += [o.DropConstraint(t.name, fk, t.schema) for t, fk in early_drops]
    rest.sort(key=lambda op: (_phase(op), _sort_key(op)))
    head = [op for op in rest if _phase(op) < 2]
    middle = [op for op in rest if 2 < _phase(op) < 6]
    tail = [op for op in rest if _phase(op) > 6]
    return head + [o.DropTable(t) for t in dropped] + middle + [o.CreateTable(t) for t in created] + tail


def _sort_key(op: o.Op) -> str:
    return op.describe()


def _sort_tables(tables: list[Table], reverse: bool) -> tuple[list[Table], list[tuple[Table, ForeignKey]]]:
    """Topologically sort tables by their foreign keys among themselves.

    Returns the sorted tables (referenced first, or last when ``reverse``) and
    the foreign keys removed from them to break cycles.
    """
    by_key = {t.key: t for t in tables}
    split: list[tuple[Table, ForeignKey]] = []

    def deps(table: Table) -> set[str]:
        return {
            qualified(fk.ref_table, fk.ref_schema)
            for fk in table.foreign_keys
            if qualified(fk.ref_table, fk.ref_schema) in by_key and qualified(fk.ref_table, fk.ref_schema) != table.key
        }

    result: list[Table] = []
    done: set[str] = set()
    pending = sorted(by_key)
    while pending:
        ready = [k for k in pending if deps(by_key[k]) <= done]
        if not ready:
            # a cycle: move the foreign keys of the first pending table that point
            # at pending tables out into separate constraint operations
            key = pending[0]
            table = by_key[key]
            cut = [fk for fk in table.foreign_keys if qualified(fk.ref_table, fk.ref_schema) in set(pending) - {key}]
            split += [(replace(table, foreign_keys=()), fk) for fk in cut]
            by_key[key] = replace(table, foreign_keys=tuple(fk for fk in table.foreign_keys if fk not in cut))
            continue
        for k in ready:
            result.append(by_key[k])
            done.add(k)
        pending = [k for k in pending if k not in done]
    if reverse:
        result.reverse()
    return result, split
