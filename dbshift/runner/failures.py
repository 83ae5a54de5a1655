"""How a step fails: :class:`MigrationFailed` (what the user sees) and the reasons behind it."""

from __future__ import annotations

from typing import Literal

import sqlalchemy as sa

from ..core import ops as o
from ..core.errors import DbshiftError, command
from ..database import history
from .events import Step

Outcome = Literal["rolled_back", "partial", "single"]


class MigrationFailed(DbshiftError):
    """A migration failed at statement ``number``; ``outcome`` says what is left.

    ``rolled_back``: nothing of the migration remains.  ``single``: the whole
    run was rolled back.  ``partial``: statements ``1..committed`` are
    committed and the history row says so (status ``failed``).
    """

    def __init__(
        self,
        step: Step,
        op: o.Op,
        statement: str | None,
        reason: str,
        *,
        number: int = 0,
        committed: int = 0,
        outcome: Outcome = "rolled_back",
    ) -> None:
        self.step, self.op, self.statement, self.reason = step, op, statement, reason
        self.number, self.committed, self.outcome = number, committed, outcome
        rev = step.revision.id
        where = step.revision.path or rev
        verb = "upgrade" if step.direction == "up" else "downgrade"
        if outcome == "partial":
            done = f"statements 1-{committed} are committed" if committed else "no statement of it is committed"
            tail = (
                f"; {done} and {history.TABLE_NAME} records the failure: fix the cause, then "
                f"{command(f'{verb} --resume')} continues at statement {committed + 1}, or repair by hand and run "
                f"{command(f'resolve {rev} --applied')} (or --rolled-back)"
            )
        elif outcome == "single":
            tail = "; the whole run was rolled back (single transaction)"
        elif step.direction == "up":
            tail = "; the database is left at the previous revision"
        else:
            tail = "; its changes were rolled back and the migration is still applied"
        super().__init__(f"{verb} of {rev} ({where}) failed at {self.where()}: {reason}{tail}")

    def where(self) -> str:
        """``statement 3 ('CREATE INDEX …')``, or the operation when no SQL was produced."""
        shown = _excerpt(self.statement) if self.statement else repr(self.op.describe())
        return f"statement {self.number} ({shown})" if self.number else shown

    def record(self) -> str:
        """What the history row's ``error`` column keeps."""
        return f"{self.where()}: {self.reason}"


class StatementFailed(Exception):
    def __init__(self, op: o.Op, statement: str | None, reason: str, number: int) -> None:
        self.op, self.statement, self.reason, self.number = op, statement, reason, number


def _excerpt(sql: str, limit: int = 80) -> str:
    flat = " ".join(sql.split())
    return repr(flat if len(flat) <= limit else flat[: limit - 1] + "…")


class CheckFailed(Exception):
    """A check inside the migration's transaction failed: a :class:`~dbshift.render.base.Guard` found rows
    breaking its rule, or a statement a :class:`~dbshift.render.base.Replay` read back failed.

    ``str()`` is the whole reason, one line, as the step's failure reports it.
    """


class NotInTransaction(Exception):
    def __str__(self) -> str:
        return "this statement cannot run inside a transaction, and the run is one transaction (--single-transaction)"



def reason(exc: BaseException) -> str:
    if isinstance(exc, CheckFailed):
        return str(exc)
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip()
    if not text:  # KeyboardInterrupt, a bare exception class
        return type(orig).__name__
    line = text.splitlines()[0]
    if isinstance(exc, (sa.exc.DBAPIError, NotInTransaction)):
        return line
    return f"{type(orig).__name__}: {line}"
