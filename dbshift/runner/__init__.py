"""Executing a plan of migrations, reporting typed events; never prints.  See :mod:`dbshift.runner.loop`.

Names are loaded on first use: the events (:mod:`.events`) are read by commands that never run anything,
and importing them must not import SQLAlchemy.  The plan preview is imported from its module
(``from dbshift.runner.preview import preview``): a lazy package attribute of the same name as a submodule
would be the module once the submodule is imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.lazy import lazy_names

_HOMES = {
    ".events": [
        "Direction", "Event", "LockAcquired", "LockWaiting", "Notice", "RunFinished", "StatementExecuted",
        "StatementSkipped", "Step", "StepFailed", "StepFinished", "StepPreview", "StepStarted",
    ],
    ".failures": ["MigrationFailed", "NotInTransaction"],
    ".loop": ["Runner"],
    ".sinks": ["DatabaseSink", "Sink", "SqlSink"],
}

__all__ = [
    "DatabaseSink", "Direction", "Event", "LockAcquired", "LockWaiting", "MigrationFailed", "NotInTransaction", "Notice",
    "RunFinished", "Runner", "Sink", "SqlSink", "StatementExecuted", "StatementSkipped", "Step", "StepFailed",
    "StepFinished", "StepPreview", "StepStarted",
]


__getattr__ = lazy_names(__name__, _HOMES, globals())


if TYPE_CHECKING:
    from .events import (
        Direction, Event, LockAcquired, LockWaiting, Notice, RunFinished, StatementExecuted, StatementSkipped, Step,
        StepFailed, StepFinished, StepPreview, StepStarted,
    )
    from .failures import MigrationFailed, NotInTransaction
    from .loop import Runner
    from .sinks import DatabaseSink, Sink, SqlSink
