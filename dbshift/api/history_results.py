"""What the commands that read and record the history return (``current``, ``history``, ``show``, ``stamp``,
``resolve``, ``accept``): plain frozen values, never printed here, and a module of their own so that those
commands define no more of them than they use.  :mod:`dbshift.api.results` names them all."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from ..core.graph import Revision
from ..database.rows import HistoryRow
from ..core.values import frozen

if TYPE_CHECKING:  # annotations only: the history commands never load the operations
    from ..core import ops as o
    from ..runner.events import StepPreview


@frozen
class HistoryEntry:
    """One revision of ``history``: whether it is applied, where the database is, and (``row``) what
    ``dbshift_history`` records of its run: when, how long, by whom."""

    revision: Revision
    applied: bool
    current: bool
    head: bool
    row: HistoryRow | None = None
    created: datetime | None = None  # when the migration was written (from its id or its file's header)


@frozen
class Status:
    """Where a database stands: current and head revisions, pending ones, unfinished runs, edited files."""

    current: tuple[str, ...]
    heads: tuple[str, ...]
    pending: tuple[str, ...]
    unfinished: tuple[HistoryRow, ...] = ()  # failed or interrupted runs to resume or resolve
    edited: tuple[str, ...] = ()  # applied revisions whose file changed since

    @property
    def up_to_date(self) -> bool:
        return not self.pending and not self.unfinished


@frozen
class ShowResult:
    """One migration: its operations and, rendered for ``dialect`` (the configured database's, without
    connecting), every statement of its upgrade and of its downgrade.

    ``downgrade`` holds the operations written by hand (None: the reverse of ``upgrade``);
    ``down`` is None when there is no downgrade at all, ``no_downgrade`` then says why.
    """

    revision: Revision
    applied: bool | None
    upgrade: tuple[o.Op, ...]
    downgrade: tuple[o.Op, ...] | None
    source: str
    dialect: str = ""
    up: StepPreview | None = None
    down: StepPreview | None = None
    no_downgrade: str | None = None
    kind: str = "python"  # python | sql | alembic


@frozen
class StampResult:
    """The revisions recorded before and after ``stamp`` (no schema change)."""

    before: tuple[str, ...]
    after: tuple[str, ...]


@frozen
class ResolveResult:
    """How an unfinished migration was recorded to have ended (``resolve``)."""

    revision: str
    status: str  # what the row said: failed or running
    direction: str  # the run that did not finish: up or down
    outcome: str  # applied | rolled-back


@frozen
class AcceptResult:
    """An applied migration's edit accepted: its checksum as recorded (``old``) and as now (``new``)."""

    revision: str
    path: str | None
    old: str
    new: str
