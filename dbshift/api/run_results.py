"""What ``upgrade`` and ``downgrade`` return: plain frozen values, never printed here, in a module of their own so
that an upgrade with nothing to do defines no other result.  :mod:`dbshift.api.results` names them all."""

from __future__ import annotations

from typing import TYPE_CHECKING
from ..core.values import frozen

if TYPE_CHECKING:
    from ..runner.events import Step, StepPreview


@frozen
class RunResult:
    """An upgrade or downgrade against a database (or its dry run)."""

    direction: str
    steps: tuple[Step, ...]
    current: tuple[str, ...] = ()
    plan: tuple[StepPreview, ...] = ()  # the statements each step runs (dry runs and confirmations)
    dry_run: bool = False
    resumed: str | None = None  # the revision whose unfinished run this one resumed


@frozen
class SqlScript:
    """Offline mode: the SQL of an upgrade or downgrade between two revisions, run nowhere."""

    direction: str
    steps: tuple[Step, ...]
    sql: str
    current: tuple[str, ...] = ()  # where a database would be after running ``sql``
