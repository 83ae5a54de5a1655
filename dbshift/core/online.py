"""Online forms of schema changes: what a migration runs instead on a large table that must stay usable.

On PostgreSQL a plain ``CREATE INDEX``, ``ADD CONSTRAINT`` or ``SET NOT NULL``
holds a lock that blocks writes (or reads and writes) for as long as it scans the
table.  :func:`online_forms` rewrites those operations, on the tables the caller
names as large, into forms that take only brief strong locks:

* ``CreateIndex`` → ``CreateIndex(concurrently=True)`` (built without blocking writes);
* ``AddConstraint`` of a foreign key or CHECK → ``AddConstraint(valid=False)`` then
  ``ValidateConstraint`` (the scan lets reads and writes go on);
* ``AddConstraint`` of a unique key → ``CreateIndex(unique, concurrently=True)`` then
  ``AddConstraint(using_index=...)``;
* ``AlterColumn`` that only sets NOT NULL → a CHECK ``"<col>" IS NOT NULL`` added NOT VALID
  and validated, the ``AlterColumn`` (PostgreSQL 12+ skips its scan: the CHECK proves it),
  then the CHECK dropped;
* ``Backfill`` → batches of :data:`BATCH_SIZE` rows, each committed by itself.

:func:`lock_settings` says whether a migration needs a ``lock_timeout`` with retries:
a statement waiting for a strong lock on a busy table queues every query behind it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Collection, Sequence

from . import ops as o
from .durations import seconds
from .identifiers import pg_object_name
from .model import Check, ForeignKey, Index, Unique, qualified

BATCH_SIZE = 10_000
"""Rows a batched :class:`~dbshift.core.ops.Backfill` fills per statement (each batch committed by itself)."""

ONLINE_DIALECTS = frozenset({"postgresql"})
"""Where :func:`online_forms` rewrites anything (MySQL/MariaDB have their own ``ALGORITHM=`` forms)."""

LOCKING_DIALECTS = frozenset({"postgresql", "mysql", "mariadb"})
"""Where a statement waits in a lock queue that a ``lock_timeout`` bounds."""


def online_forms(ops: Sequence[o.Op], dialect: str, large: Collection[str]) -> list[o.Op]:
    """``ops`` with each operation on a table in ``large`` (keys as :func:`~dbshift.core.model.qualified`
    spells them, tables that exist before the migration) in its online form; unchanged on other dialects.
    A table created by ``ops`` is never large."""
    if dialect not in ONLINE_DIALECTS or not large:
        return list(ops)
    created = {op.table.key for op in ops if isinstance(op, o.CreateTable)}
    result: list[o.Op] = []
    for op in ops:
        key = _key(op)
        if key is None or key not in large or key in created:
            result.append(op)
        else:
            result += _online(op, key)
    return result


def _online(op: o.Op, key: str) -> list[o.Op]:
    """The online form of ``op`` on the large table ``key``."""
    if isinstance(op, o.CreateIndex) and not op.concurrently:
        return [replace(op, concurrently=True)]
    if isinstance(op, o.DropIndex) and not op.concurrently:
        return [replace(op, concurrently=True)]
    if isinstance(op, o.AddConstraint) and op.valid and op.using_index is None:
        c = op.constraint
        if isinstance(c, (ForeignKey, Check)) and c.name:
            return [replace(op, valid=False), o.ValidateConstraint(op.table, c.name, op.schema)]
        if isinstance(c, Unique) and not c.deferrable:
            name = c.name or pg_object_name(op.table, "_".join(c.columns), "key")  # the name ADD UNIQUE gives it
            index = Index(name, c.columns, unique=True)
            return [o.CreateIndex(op.table, index, op.schema, concurrently=True), replace(op, using_index=name)]
        return [op]
    if isinstance(op, o.AlterColumn) and op.changes == ("nullable",) and not op.new.nullable:
        name = not_null_check_name(op.table, op.new.name)
        check = Check(f'"{op.new.name}" IS NOT NULL', name)
        return [
            o.AddConstraint(op.table, check, op.schema, valid=False),
            o.ValidateConstraint(op.table, name, op.schema),
            op,
            o.DropConstraint(op.table, check, op.schema),
        ]
    if isinstance(op, o.Backfill) and op.batch_size is None:
        return [replace(op, batch_size=BATCH_SIZE)]
    return [op]


def not_null_check_name(table: str, column: str) -> str:
    """``<table>_<column>_not_null``, cut as PostgreSQL cuts names to 63 bytes."""
    return pg_object_name(table, column, "not_null")


def _key(op: o.Op) -> str | None:
    table = getattr(op, "table", None)
    return qualified(table, getattr(op, "schema", None)) if isinstance(table, str) else None


# --- lock_timeout with retries -------------------------------------------------------------------------------

_NO_STRONG_LOCK = (o.CreateTable, o.Backfill, o.BulkInsert, o.BulkDelete, o.RunPython, o.ValidateConstraint,
                   o.CreateSchema, o.CreateEnum, o.CreateSequence)


def takes_strong_lock(op: o.Op) -> bool:
    """Whether ``op`` waits for a lock that queues the table's readers or writers behind it: any ALTER TABLE,
    a DROP, a CREATE INDEX that is not concurrent (PostgreSQL's ACCESS EXCLUSIVE and SHARE locks, MySQL's
    exclusive metadata lock).  Hand-written SQL counts: what it locks is not known."""
    if isinstance(op, _NO_STRONG_LOCK):
        return False
    if isinstance(op, (o.CreateIndex, o.DropIndex)):
        return not op.concurrently
    return True


def lock_settings(
    ops: Sequence[o.Op], dialect: str, large: Collection[str], timeout: str = "2s", retries: int = 5
) -> tuple[str | None, int]:
    """``(lock_timeout, lock_retries)`` a migration of ``ops`` should declare: ``(timeout, retries)`` when
    one of them waits for a strong lock on an existing table in ``large`` (see :func:`takes_strong_lock`),
    else ``(None, 0)``.  ``timeout`` is a duration such as ``"2s"`` (checked here)."""
    seconds(timeout)  # BadDuration for a value no migration could use
    if dialect not in LOCKING_DIALECTS or not large:
        return None, 0
    created = {op.table.key for op in ops if isinstance(op, o.CreateTable)}
    for op in ops:
        key = _key(op)
        if key is not None and key in large and key not in created and takes_strong_lock(op):
            return timeout, retries
    return None, 0
