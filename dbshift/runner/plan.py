"""What a run that cannot be atomic planned: the statements of each of a step's operations, kept in the
step's history row so that a resumed run replays them instead of rendering them again."""

from __future__ import annotations

import json

from ..render import Guard, Replay, Statement
from ..core.values import frozen

Plan = tuple[tuple[Statement, ...], ...]  # per operation of the step, in order


@frozen
class Resume:
    """Where an unfinished run of a step stopped: ``done`` statements committed, and what it had planned
    (``plan``, per operation started; None when the row was written by a version that kept no plan)."""

    done: int
    plan: Plan | None = None


def encode(plan: Plan) -> str:
    return json.dumps([[_encoded(s) for s in op] for op in plan], separators=(",", ":"))


def decode(text: str | None) -> Plan | None:
    """The plan ``encode`` wrote; None for no plan (or one that cannot be read: the history then decides alone)."""
    if not text:
        return None
    try:
        return tuple(tuple(_decoded(item) for item in op) for op in json.loads(text))
    except (ValueError, TypeError, KeyError):
        return None


def _encoded(statement: Statement) -> object:
    """A statement as JSON: ``[sql, transactional]``, or a check (guard, replay) with all it needs to run again."""
    if isinstance(statement, Guard):
        return {"guard": [statement.sql, statement.rule, statement.message, list(statement.offline)]}
    if isinstance(statement, Replay):
        return {"replay": [statement.sql, statement.what, list(statement.offline)]}
    return [statement.sql, statement.transactional]


def _decoded(item: object) -> Statement:
    if isinstance(item, dict) and "guard" in item:
        sql, rule, message, offline = item["guard"]
        return Guard(str(sql), rule=str(rule), message=str(message), offline=tuple(map(str, offline)))
    if isinstance(item, dict) and "replay" in item:
        sql, what, offline = item["replay"]
        return Replay(str(sql), what=str(what), offline=tuple(map(str, offline)))
    if isinstance(item, list):
        sql, transactional = item
        return Statement(str(sql), bool(transactional))
    raise ValueError(f"not a planned statement: {item!r}")
