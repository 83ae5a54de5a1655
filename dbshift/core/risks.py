"""The risks of a migration's operations, each read in the context of the steps before it.  Pure.

An operation's own :attr:`~dbshift.core.ops.Op.risk` knows nothing of its
neighbours: making a column NOT NULL "fails if any row holds NULL", even when
the step just before fills those NULLs (the safe form autogenerate writes: add
nullable, fill, set NOT NULL).  :func:`step_risks` says what a reader should
worry about in the migration as written.
"""

from __future__ import annotations

from typing import Iterable

from . import ops as o
from .model import qualified


def step_risks(ops: Iterable[o.Op]) -> tuple[str | None, ...]:
    """The risk of each op of ``ops`` (one migration, in order), or None; a NOT NULL change of a column an
    earlier step of the same migration filled carries none."""
    filled: set[tuple[str, str]] = set()
    risks: list[str | None] = []
    for op in ops:
        if isinstance(op, o.Backfill):
            filled.add((qualified(op.table, op.schema), op.column))
        risk = op.risk
        if isinstance(op, o.AlterColumn) and _only_sets_not_null_risk(op):
            if (qualified(op.table, op.schema), op.old.name) in filled:
                risk = None
        risks.append(risk)
    return tuple(risks)


def _only_sets_not_null_risk(op: o.AlterColumn) -> bool:
    """The op's risk is the NULL one alone (no type change to warn about)."""
    return op.old.type == op.new.type and op.old.nullable and not op.new.nullable and op.loss is None


def shown_risks(ops: Iterable[o.Op]) -> tuple[str, ...]:
    """The risks worth saying for a migration: :func:`step_risks` without the empty ones."""
    return tuple(r for r in step_risks(ops) if r)
