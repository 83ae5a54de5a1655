"""A ``dbshift_history`` row as a value, and the table's names: what reading the history needs, without SQLAlchemy.

:mod:`.history` reads and writes the table through SQLAlchemy; :mod:`.direct` reads it
through the driver alone.  Both build the same :class:`HistoryRow`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable, Sequence
from ..core.values import frozen

TABLE_NAME = "dbshift_history"

APPLIED, RUNNING, FAILED = "applied", "running", "failed"
ERROR_MAX = 1000

#: The table's columns, in order; the first five are those of the earliest tables.
COLUMNS = (
    "revision", "message", "checksum", "applied_at", "duration_ms",
    "status", "direction", "statements_done", "error", "run_by", "plan",
)
_ORIGINAL = COLUMNS[:5]
_DEFAULTS = {"status": APPLIED, "direction": "up", "statements_done": None, "error": None, "run_by": None, "plan": None}


@frozen
class HistoryRow:
    """One row of dbshift_history: a migration's run, how it ended (``status``) and how far it got."""

    revision: str
    message: str
    checksum: str
    applied_at: datetime
    duration_ms: int
    status: str = APPLIED
    direction: str = "up"
    statements_done: int | None = None
    error: str | None = None
    run_by: str | None = None
    plan: str | None = None

    @property
    def applied(self) -> bool:
        return self.status == APPLIED


def rows_from(names: Sequence[str], records: Iterable[Sequence[Any]]) -> list[HistoryRow]:
    """The rows of a query's ``records``, whose columns are ``names`` in any order: those an older table lacks
    take their defaults (``KeyError`` when one of the first five is missing), a status left empty is
    ``applied``, and an ``applied_at`` read as text (SQLite through the driver alone) becomes a ``datetime``,
    as SQLAlchemy's SQLite ``DATETIME`` reads it.  Built positionally: a third faster than by keyword over a
    long history."""
    where = {name: i for i, name in enumerate(names)}
    picks = [(where[c] if c in _ORIGINAL else where.get(c, -1), _DEFAULTS.get(c)) for c in COLUMNS]
    as_read = [i for i, _ in picks] == list(range(len(names)))  # today's table, read whole: no picking
    status, applied_at = COLUMNS.index("status"), COLUMNS.index("applied_at")
    from_text = datetime.fromisoformat
    rows = []
    for record in records:
        values: list[Any] = list(record) if as_read else [record[i] if i >= 0 else default for i, default in picks]
        values[status] = values[status] or APPLIED
        if isinstance(values[applied_at], str):
            values[applied_at] = from_text(values[applied_at])
        rows.append(HistoryRow(*values))
    return rows
