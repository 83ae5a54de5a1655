"""What the runner reports: the steps it runs and a typed event for each thing that happens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from ..core.graph import Revision
from ..core.values import frozen

if TYPE_CHECKING:
    from ..core import ops as o
    from ..core.findings import Finding
    from .failures import MigrationFailed

Direction = Literal["up", "down"]


@frozen
class Step:
    """One migration to apply (``up``) or un-apply (``down``), with the operations to run.

    ``lock_timeout`` (seconds): how long a statement of the step may wait for a lock before it fails with
    "lock not granted"; the step is then retried up to ``lock_retries`` times (see :mod:`.loop`).
    """

    revision: Revision
    direction: Direction
    ops: tuple[o.Op, ...]
    checksum: str
    lock_timeout: float | None = None
    lock_retries: int = 0


# --- events -------------------------------------------------------------------


@frozen
class LockWaiting:
    """Another runner holds the lock; this one waits up to ``timeout_s``."""

    holder: str | None
    timeout_s: float


@frozen
class LockAcquired:
    """The run lock is held, after waiting ``waited_ms``."""

    waited_ms: int


@frozen
class Notice:
    """Something worth telling that is not an error (the history table was upgraded, …)."""

    text: str


@frozen
class StepStarted:
    """A migration starts (``resume_from``: statements an earlier run committed, skipped)."""

    step: Step
    index: int
    total: int
    resume_from: int = 0  # statements already done by an earlier, failed run


@frozen
class StatementExecuted:
    """A statement of the migration ran (``number`` counts from 1 in the migration)."""

    step: Step
    sql: str
    number: int = 0
    transactional: bool = True


@frozen
class StatementSkipped:
    """A statement an earlier run already committed (``--resume``)."""

    step: Step
    sql: str
    number: int


@frozen
class StepFinished:
    """A migration ended well, with its history row written."""

    step: Step
    index: int
    total: int
    duration_ms: int
    statements: int = 0


@frozen
class StepFailed:
    """A migration failed; ``error`` says at which statement and what was rolled back."""

    step: Step
    index: int
    total: int
    error: MigrationFailed


@frozen
class RunFinished:
    """Every step of the run ended well."""

    steps: int
    duration_ms: int


Event = (
    LockWaiting | LockAcquired | Notice | StepStarted | StatementExecuted | StatementSkipped
    | StepFinished | StepFailed | RunFinished
)


@frozen
class StepPreview:
    """What a step would run: its statements (SQL, or a description for Python steps) and risks."""

    step: Step
    statements: tuple[str, ...]
    risks: tuple[str, ...]
    problem: str | None = None  # the statements could not all be rendered
    outside: frozenset[int] = frozenset()  # indexes (0-based) of the statements run outside a transaction
    findings: tuple[Finding, ...] = ()  # what lint finds on the database's rows (upgrades only)
