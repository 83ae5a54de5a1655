"""Executing a plan of migrations, reporting typed events; never prints.  See :mod:`dbshift.runner.loop`."""

from .events import (
    Direction, Event, LockAcquired, LockWaiting, Notice, RunFinished, StatementExecuted, StatementSkipped, Step,
    StepFailed, StepFinished, StepPreview, StepStarted,
)
from .failures import MigrationFailed, NotInTransaction
from .loop import Runner
from .preview import preview
from .sinks import DatabaseSink, Sink, SqlSink

__all__ = [
    "DatabaseSink", "Direction", "Event", "LockAcquired", "LockWaiting", "MigrationFailed", "NotInTransaction", "Notice",
    "RunFinished", "Runner", "Sink", "SqlSink", "StatementExecuted", "StatementSkipped", "Step", "StepFailed",
    "StepFinished", "StepPreview", "StepStarted", "preview",
]
