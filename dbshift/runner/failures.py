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

    ``rolled_back``: nothing of the migration remains (and no history row
    says otherwise).  ``single``: the whole run was rolled back.  ``partial``:
    statements ``1..committed`` are committed and the history row says so
    (status ``failed``) — unless ``recorded`` is False: the row could not be
    written and says what the last successful write said.  ``recording``:
    the statement itself succeeded; writing its progress to the history failed.
    ``final``: every statement ran; writing the row that records the migration
    as done failed (``op`` is then None).
    """

    def __init__(
        self,
        step: Step,
        op: o.Op | None,
        statement: str | None,
        reason: str,
        *,
        number: int = 0,
        committed: int = 0,
        outcome: Outcome = "rolled_back",
        recording: bool = False,
        recorded: bool = True,
        final: bool = False,
    ) -> None:
        self.step, self.op, self.statement, self.reason = step, op, statement, reason
        self.number, self.committed, self.outcome = number, committed, outcome
        self.recording, self.recorded, self.final = recording or final, recorded, final
        super().__init__(self._message())

    def settle(self, recorded: bool) -> None:
        """Say whether the history row could be written as the failure left it."""
        self.recorded = recorded
        self.message = self._message()
        self.args = (self.message,)

    def _message(self) -> str:
        step, rev = self.step, self.step.revision.id
        verb = "upgrade" if step.direction == "up" else "downgrade"
        what = f"failed at {self.where()}: {self.reason}"
        if self.final:
            done = "recording it as applied" if step.direction == "up" else "removing its row"
            what = f"failed after its last statement, while {done} in {history.TABLE_NAME}: {self.reason}"
        elif self.recording:
            ran = "ran and is committed" if self.committed >= self.number else "ran but is rolled back"
            what = f"failed after {self.where()}: the statement {ran}, then recording it in {history.TABLE_NAME} failed: " \
                   f"{self.reason}"
        return f"{verb} of {rev} ({step.revision.path or rev}) {what}{self._tail(verb, rev)}"

    def _tail(self, verb: str, rev: str) -> str:
        if self.outcome == "single":
            return "; the whole run was rolled back (single transaction)"
        if self.outcome == "rolled_back":
            stale = "" if self.recorded else (
                f" ({history.TABLE_NAME} could not be updated and still says it is running: "
                f"{command(f'resolve {rev} --rolled-back')} clears that)"
            )
            if self.step.direction == "up":
                return f"; the database is left at the previous revision{stale}"
            return f"; its changes were rolled back and the migration is still applied{stale}"
        done = f"statements 1-{self.committed} are committed" if self.committed else "no statement of it is committed"
        goes_on = f"continues at statement {self.committed + 1}"
        if self.final and self.committed >= self.number:
            goes_on = f"records it as {'applied' if verb == 'upgrade' else 'un-applied'} without running a statement again"
        how = (
            f"fix the cause, then {command(f'{verb} --resume')} {goes_on}, "
            f"or repair by hand and run {command(f'resolve {rev} --applied')} (or --rolled-back)"
        )
        if self.recorded:
            return f"; {done} and {history.TABLE_NAME} records the failure: {how}"
        return (
            f"; {done}, but {history.TABLE_NAME} could not be updated and may show fewer: "
            f"once it can be written, {how}"
        )

    def where(self) -> str:
        """``statement 3 ('CREATE INDEX …')``, or the operation when no SQL was produced."""
        if self.statement:
            shown = _excerpt(self.statement)
        elif self.op is not None:
            shown = repr(self.op.describe())
        else:
            return f"statement {self.number}" if self.number else "the migration"
        return f"statement {self.number} ({shown})" if self.number else shown

    def record(self) -> str:
        """What the history row's ``error`` column keeps."""
        if self.final:
            return f"recording the migration as done failed after its last statement: {self.reason}"
        prefix = "recording failed after " if self.recording else ""
        return f"{prefix}{self.where()}: {self.reason}"


class PlanNoLongerFits(DbshiftError):
    """A resumed run found the database without what its history says was done: it changed since."""

    def __init__(self, step: Step, statement: int, done: str) -> None:
        self.step, self.statement, self.done = step, statement, done
        rev = step.revision.id
        verb = "upgrade" if step.direction == "up" else "downgrade"
        super().__init__(
            f"cannot resume the {verb} of {rev}: {history.TABLE_NAME} records statement {statement} as done "
            f"({done}), but the database does not show it: it changed since the run failed; repair it by hand, "
            f"then record how it ended with {command(f'resolve {rev} --applied')} or '--rolled-back'"
        )


class RunNotSettled(DbshiftError):
    """Every migration of the run committed, but the server could not be made to confirm that its commits are on
    disk (the connection was lost right after the last one): a crash of the server then may have undone the last
    migrations, each whole, with its history row."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(
            f"every migration ran and committed, but the server did not confirm they are on disk: {reason}; "
            f"{command('current')} shows where the database stands (a server that crashed may have undone the last "
            "migrations, each with its history row)"
        )


class StatementFailed(Exception):
    """Inside the runner: statement ``number`` failed (``recording``: it ran; writing its progress failed;
    ``final``: every statement ran; writing the row that records the migration as done failed)."""

    def __init__(
        self, op: o.Op | None, statement: str | None, reason: str, number: int, *, recording: bool = False,
        final: bool = False,
    ) -> None:
        self.op, self.statement, self.reason, self.number, self.recording = op, statement, reason, number, recording
        self.final = final


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
    """One line for ``exc``: a driver error's own first line, a dbshift error's message, else ``Type: line``."""
    if isinstance(exc, (DbshiftError, CheckFailed)):
        return str(exc)
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip()
    if not text:  # KeyboardInterrupt, a bare exception class
        return type(orig).__name__
    line = text.splitlines()[0]
    if isinstance(exc, (sa.exc.DBAPIError, NotInTransaction)):
        return line
    return f"{type(orig).__name__}: {line}"
