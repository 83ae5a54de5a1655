"""An upgrade with nothing to run, told without the run lock and without SQLAlchemy.

What it checks is what a run checks before it would run anything: the history
read against the files (no unknown revision, no unfinished migration, no applied
file edited since it ran: checksums are computed), a history table a run need
not upgrade, a role that may write it, and an empty plan.  Any doubt — options
that change a run, a database read another way, anything to do — answers None,
and the run takes its usual path (lock, checks, plan).

Without the lock, the answer is that of the moment the history was read: a
concurrent run's uncommitted work is not visible, so a run still in progress
shows its migrations as pending and this answers None (the usual path then
waits for the lock).
"""

from __future__ import annotations

import time
from typing import Callable

from ..core.errors import DbshiftError
from ..database import direct
from ..project.config import Config
from ..runner.events import Event, RunFinished
from .context import applied_ids, edited, load_graph
from .options import RunOptions
from .run_results import RunResult


def up_to_date(
    config: Config, target: str, options: RunOptions, emit: Callable[[Event], None] | None = None,
) -> RunResult | None:
    """The result of ``upgrade target`` when there is nothing to run (``emit`` gets the run's one event,
    :class:`RunFinished`); None when there may be, or when only the usual path can tell."""
    started = time.perf_counter()
    if options != RunOptions(lock_wait=options.lock_wait):
        return None
    graph = load_graph(config)
    rows = direct.history_rows(config.url, complete=True, writable=True)
    if not rows or any(not row.applied or row.revision not in graph for row in rows) or edited(graph, rows):
        return None
    applied = applied_ids(rows)
    try:
        if graph.upgrade_plan(applied, target):
            return None
    except DbshiftError:
        return None  # a target the usual path explains
    if emit is not None:
        emit(RunFinished(0, int((time.perf_counter() - started) * 1000)))
    return RunResult("up", (), graph.current(applied))
