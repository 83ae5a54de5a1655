"""What a run that cannot be atomic planned: the statements of each of a step's operations, kept in the
step's history row so that a resumed run replays them instead of rendering them again."""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..render import Statement

Plan = tuple[tuple[Statement, ...], ...]  # per operation of the step, in order


@dataclass(frozen=True)
class Resume:
    """Where an unfinished run of a step stopped: ``done`` statements committed, and what it had planned
    (``plan``, per operation started; None when the row was written by a version that kept no plan)."""

    done: int
    plan: Plan | None = None


def encode(plan: Plan) -> str:
    return json.dumps([[[s.sql, s.transactional] for s in op] for op in plan], separators=(",", ":"))


def decode(text: str | None) -> Plan | None:
    """The plan ``encode`` wrote; None for no plan (or one that cannot be read: the history then decides alone)."""
    if not text:
        return None
    try:
        return tuple(tuple(Statement(str(sql), bool(transactional)) for sql, transactional in op) for op in json.loads(text))
    except (ValueError, TypeError):
        return None
