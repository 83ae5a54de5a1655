"""What the API's commands return: plain frozen values, never printed here.

Those of the commands that read and record the history are defined in :mod:`.history_results`, those of
``upgrade`` and ``downgrade`` in :mod:`.run_results`, so that each command defines only the classes it returns
(a frozen dataclass takes about a millisecond to define); this module names them all, loading each on first use.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..core.errors import DEFAULT_PROGRAM, for_program
from ..core.graph import Revision
from ..core.lazy import lazy_names
from ..core.values import frozen

_ELSEWHERE = {
    ".history_results": ["AcceptResult", "HistoryEntry", "ResolveResult", "ShowResult", "StampResult", "Status"],
    ".run_results": ["RunResult", "SqlScript"],
}
__all__ = sorted([
    "AdoptResult", "CheckResult", "DiffResult", "InitResult", "LintReport", "LintResult", "RebaseResult",
    "RevisionResult", *(name for names in _ELSEWHERE.values() for name in names),
])
__getattr__ = lazy_names(__name__.rpartition(".")[0], _ELSEWHERE, globals())

if TYPE_CHECKING:  # annotations only: the history commands never load the operations
    from ..core import ops as o
    from ..core.findings import Finding
    from ..core.renames import PossibleRename
    from ..core.unmodelled import Dependant, Difference
    from .history_results import AcceptResult, HistoryEntry, ResolveResult, ShowResult, StampResult, Status  # noqa: F401
    from .run_results import RunResult, SqlScript  # noqa: F401


@frozen
class InitResult:
    """A project set up by ``init``: its pyproject.toml, migrations directory and models."""

    pyproject: Path
    migrations: Path
    metadata: str


@frozen
class RevisionResult:
    """A migration written (``revision``/``merge``), or none (``path is None``) when nothing changed."""

    revision: Revision | None
    path: Path | None
    ops: tuple[o.Op, ...]
    possible_renames: tuple[PossibleRename, ...] = ()
    dependants: tuple[Dependant, ...] = ()  # views, triggers… that ops drop or change under
    notes: tuple[str, ...] = ()  # what the file cannot do that a run would (a .sql file: checks, triggers)


@frozen
class AdoptResult:
    """An adoption of a database Alembic migrated (:mod:`dbshift.api.adoption`).

    ``action``: ``plan`` (nothing written), ``adopted``, ``already`` (adopted before), ``undone`` or
    ``confirmed``.  ``revisions``: those recorded as applied (or, for ``undone``, removed); ``alembic_at``:
    what the version table recorded; ``kept_table``: whether it is still there.
    """

    action: str
    version_table: str
    alembic_at: tuple[str, ...]
    revisions: tuple[Revision, ...]
    current: tuple[str, ...]
    kept_table: bool


@frozen
class RebaseResult:
    """A branch moved onto another head: the revisions whose parents were rewritten, and their files."""

    revision: str
    onto: str
    moved: tuple[str, ...]  # the revisions whose history changed, in their new order
    paths: tuple[Path, ...]  # the files rewritten
    heads: tuple[str, ...]  # after
    checked: bool  # the database was read and has none of ``moved``


@frozen
class CheckResult:
    """``ops``: what the database (at head) still needs to match the models; ``problems``: what is
    wrong with the history itself (forked, not at head, edited or unfinished migrations)."""

    ops: tuple[o.Op, ...]
    issues: tuple[str, ...] = ()  # the problems, naming commands through core.errors.command
    dependants: tuple[Dependant, ...] = ()  # views, triggers… that ``ops`` would drop or change under
    unverified: tuple[str, ...] = ()  # DDL the models attach through SQLAlchemy events that cannot be compared

    @property
    def ok(self) -> bool:
        return not self.ops and not self.issues

    @property
    def problems(self) -> tuple[str, ...]:
        return self.problems_for(DEFAULT_PROGRAM)

    def problems_for(self, program: str) -> tuple[str, ...]:
        """The problems, naming commands as ``program`` runs them (``flask db``)."""
        return tuple(for_program(text, program) for text in self.issues)


@frozen
class DiffResult:
    """``sql`` starts with a ``-- not compared:`` comment per entry of ``unmodelled`` (views, functions…
    that differ and that dbshift does not compare) and a ``-- depends:`` comment per entry of ``dependants``."""

    ops: tuple[o.Op, ...]
    sql: str
    unmodelled: tuple[Difference, ...] = ()
    dependants: tuple[Dependant, ...] = ()


@frozen
class LintReport:
    """The findings for one migration; ``ignored`` are the codes its ``lint_ignore`` silenced.

    ``downgrade``: what running its downgrade would lose or fail on (see
    :func:`dbshift.core.lint.lint_downgrade`); none for a migration without one.
    """

    revision: Revision
    findings: tuple[Finding, ...]
    ignored: tuple[str, ...] = ()
    downgrade: tuple[Finding, ...] = ()
    checked: bool = False  # judged on the database's rows (a pending migration), not on its statements alone


@frozen
class LintResult:
    """The reports, oldest first; ``note`` says why the database's rows could not be read, when they could not."""

    dialect: str
    reports: tuple[LintReport, ...]
    note: str | None = None

    @property
    def findings(self) -> tuple[tuple[Revision, Finding], ...]:
        """The upgrades' findings: what the exit code of ``lint`` is about."""
        return tuple((r.revision, f) for r in self.reports for f in r.findings)

    @property
    def downgrade_findings(self) -> tuple[tuple[Revision, Finding], ...]:
        """What the downgrades would lose or fail on: said, never counted in the exit code."""
        return tuple((r.revision, f) for r in self.reports for f in r.downgrade)
