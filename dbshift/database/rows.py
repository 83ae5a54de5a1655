"""A ``dbshift_history`` row as a value, and the table's names: what reading the history needs, without SQLAlchemy.

:mod:`.history` reads and writes the table through SQLAlchemy; :mod:`.direct` reads it
through the driver alone.  Both build the same :class:`HistoryRow`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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


@dataclass(frozen=True)
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


def row_of(values: dict[str, object]) -> HistoryRow:
    """The row for the column values read (missing columns of an older table take their defaults)."""
    merged = {**_DEFAULTS, **values}
    merged["status"] = merged["status"] or APPLIED
    return HistoryRow(**merged)  # type: ignore[arg-type]
