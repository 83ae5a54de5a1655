"""Errors the commands raise: each carries its inputs and builds its own one-line message.

The front ends turn any :class:`~dbshift.core.errors.DbshiftError` into that line and a non-zero exit.
"""

from __future__ import annotations

from pathlib import Path

from ..database import history
from ..core.errors import DbshiftError, UnknownRevision, command


class NotAtHead(DbshiftError):
    def __init__(self, current: tuple[str, ...], heads: tuple[str, ...]) -> None:
        self.current, self.heads = current, heads
        at = ", ".join(current) or "base (nothing applied)"
        super().__init__(
            f"the database is at {at} but the migrations end at {', '.join(heads)}; "
            f"run {command('upgrade')} before generating a new migration"
        )


class NoModels(DbshiftError):
    def __init__(self) -> None:
        super().__init__(
            "no models configured: set metadata = \"package.module:Base.metadata\" in [tool.dbshift] "
            f"(without models, write migrations by hand: {command('revision --sql -m MESSAGE')})"
        )


class EmptyModels(DbshiftError):
    def __init__(self, tables: list[str]) -> None:
        self.tables = tables
        shown = ", ".join(tables[:5]) + (" …" if len(tables) > 5 else "")
        super().__init__(
            f"the models define no tables but the database has {len(tables)} ({shown}); "
            "are the model modules imported? nothing was written"
        )


class BadModelsReference(DbshiftError):
    def __init__(self, reference: str, detail: str) -> None:
        self.reference, self.detail = reference, detail
        super().__init__(f"--metadata {reference!r}: {detail}")


class NothingToMerge(DbshiftError):
    def __init__(self, heads: tuple[str, ...]) -> None:
        self.heads = heads
        super().__init__(f"nothing to merge: the history has {len(heads)} head(s)")


class AlreadyInitialized(DbshiftError):
    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(f"{path} already has a [tool.dbshift] section")


class ModelsNotFoundForInit(DbshiftError):
    def __init__(self, root: Path) -> None:
        self.root = root
        super().__init__(
            f"could not find SQLAlchemy models under {root}; "
            "pass them explicitly: dbshift init --metadata package.module:Base.metadata "
            "(or, for migrations written in SQL alone: dbshift init --no-models)"
        )


class DatabaseAtUnknownRevision(UnknownRevision):
    def __init__(self, revision: str) -> None:
        self.ref = self.revision = revision
        DbshiftError.__init__(
            self,
            f"the database records revision {revision!r}, which no file in the migrations directory defines: "
            "is this an older checkout than the one that migrated the database, or the wrong directory?",
        )


class ChecksumMismatch(DbshiftError):
    def __init__(self, revision: str, path: str, recorded: str, actual: str, others: int = 0) -> None:
        self.revision, self.path, self.recorded, self.actual, self.others = revision, path, recorded, actual, others
        more = f" (and {others} more)" if others else ""
        super().__init__(
            f"migration {revision} ({path}) was edited after it was applied{more}: recorded checksum "
            f"{recorded[:12]}, file now {actual[:12]}; restore the file, or accept the edit with "
            f"{command(f'accept {revision}')} (or upgrade --accept-checksum {revision})"
        )


class UnfinishedMigration(DbshiftError):
    """A migration a run left failed or interrupted: the history says how far it got."""

    def __init__(
        self, row: history.HistoryRow, path: str | None, running: tuple[int, str] | None = None,
        *, wrong_direction: bool = False,
    ) -> None:
        self.row, self.path, self.running, self.wrong_direction = row, path, running, wrong_direction
        rev, done = row.revision, row.statements_done or 0
        verb = "upgrade" if row.direction == "up" else "downgrade"
        where = f"{rev} ({path})" if path else rev
        if row.status == history.FAILED:
            what = f"failed during its {verb} at {row.error or f'statement {done + 1}'}"
        else:
            by = f" ({row.run_by})" if row.run_by else ""
            what = (
                f"was interrupted during its {verb}{by} after statement {done}; "
                f"statement {done + 1} may have run in part"
            )
        if running is not None:
            conn_id, sql = running
            advice = (
                f"; connection {conn_id} is still running {sql!r}: wait for it to end, or stop it with "
                f"'KILL {conn_id}', before resuming"
            )
        elif wrong_direction:
            advice = (
                f"; finish it first with {command(f'{verb} --resume')}, or record the outcome with "
                f"{command(f'resolve {rev} --applied')} or '--rolled-back'"
            )
        else:
            advice = (
                f"; fix the cause, then {command(f'{verb} --resume')} continues at statement {done + 1}, or repair the "
                f"database by hand and record the outcome with {command(f'resolve {rev} --applied')} or '--rolled-back'"
            )
        super().__init__(f"migration {where} {what}{advice}")


class ResumeNotInPlan(DbshiftError):
    def __init__(self, revision: str, direction: str, target: str) -> None:
        self.revision, self.direction, self.target = revision, direction, target
        verb = "upgrade" if direction == "up" else "downgrade"
        super().__init__(f"--resume: the unfinished migration {revision} is not part of the {verb} to {target!r}")


class NothingToResolve(DbshiftError):
    def __init__(self, revision: str, unfinished: list[str]) -> None:
        self.revision, self.unfinished = revision, unfinished
        others = f" (unfinished: {', '.join(unfinished)})" if unfinished else " (no migration is unfinished)"
        super().__init__(f"{revision} has no failed or interrupted run to resolve{others}")


class NotApplied(DbshiftError):
    def __init__(self, revision: str) -> None:
        self.revision = revision
        super().__init__(f"{revision} is not applied: there is no recorded checksum to accept")


class SingleTransactionUnsupported(DbshiftError):
    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        super().__init__(
            f"--single-transaction needs transactional DDL (PostgreSQL or SQLite); {dialect} commits each DDL statement"
        )


class Cancelled(DbshiftError):
    def __init__(self) -> None:
        super().__init__("cancelled: nothing was changed")


class MigrationsMissing(DbshiftError):
    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(f"migrations directory {path} does not exist; run {command('init')}")


class RebaseApplied(DbshiftError):
    """A revision a rebase would move is already in the database's history."""

    def __init__(self, revision: str, recorded: list[str], fork: tuple[str, ...]) -> None:
        self.revision, self.recorded, self.fork = revision, recorded, fork
        back = command(f"downgrade {fork[0] if fork else 'base'}" if len(fork) < 2 else "downgrade")
        super().__init__(
            f"cannot rebase {revision}: {', '.join(recorded)} is recorded in the database (applied or started); "
            f"un-apply it first with {back}, or join the heads with {command('merge')} instead"
        )


class RebaseUnchecked(DbshiftError):
    """The database could not be read, so a rebase cannot tell whether the branch was applied."""

    def __init__(self, revision: str, reason: str) -> None:
        self.revision, self.reason = revision, reason
        super().__init__(
            f"cannot rebase {revision}: could not check that it is not applied ({reason}); "
            "add --no-db-check only if no database has run it"
        )


class UnknownLintCode(DbshiftError):
    def __init__(self, code: str, where: str) -> None:
        from ..core.findings import CODES

        self.code, self.where = code, where
        super().__init__(f"unknown lint code {code!r} in {where}; known codes: {', '.join(CODES)}")


class UnacknowledgedFinding(DbshiftError):
    """A migration to run would lose rows or fail on them, as the database shows, and its file does not say
    why that is intended."""

    def __init__(self, revision: str, path: str | None, code: str, message: str, more: int, unreasoned: bool) -> None:
        self.revision, self.path, self.code, self.more = revision, path, code, more
        self.message, self.unreasoned = message, unreasoned
        suffix = Path(path or "").suffix
        form = f"-- lint_ignore: {code} <why>" if suffix == ".sql" else f'lint_ignore = {{"{code}": "<why>"}}'
        also = f" (and {more} more finding(s))" if more else ""
        because = "names it without a reason" if unreasoned else "does not acknowledge it"
        super().__init__(
            f"refusing to run {revision}: {code} {message}{also}; its file {path or ''} {because}: "
            f"if this is intended, say why with {form} in the file (nothing was changed)"
        )


class NoDowngrade(DbshiftError):
    """A migration to un-apply holds a hand-written step with no reverse and no written downgrade."""

    def __init__(self, revision: str, path: str | None, step: str, kind: str) -> None:
        self.revision, self.path, self.step, self.kind = revision, path, step, kind
        where = f"{revision} ({path})" if path else revision
        if kind == "sql":  # its one step is the whole file: say what the file lacks
            super().__init__(
                f"cannot downgrade {where}: the SQL migration has no '-- down' section; end the file with a line "
                "'-- down' followed by the SQL that undoes it (nothing after it if there is nothing to undo)"
            )
            return
        how = "a downgrade = [...] list"
        super().__init__(f"cannot downgrade {where}: {step} has no reverse; write its downgrade by hand ({how})")
