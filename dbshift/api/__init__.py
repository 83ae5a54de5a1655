"""The Python API: one function per command.  Each takes a :class:`~dbshift.config.Config`
and returns a result value; none prints, and none touches the application's logging.

    from dbshift import api
    from dbshift.config import load_config

    config = load_config()
    api.upgrade(config)                 # apply everything pending
    api.status(config).up_to_date       # is the database at the version the code needs?

The functions live by concern: :mod:`.adoption` (``adopt`` an Alembic-migrated database),
:mod:`.autogenerate` (``revision``), :mod:`.run`
(``upgrade``, ``downgrade`` and their offline SQL), :mod:`.records` (``current``,
``status``, ``history_entries``, ``heads``, ``show``, ``stamp``, ``resolve``,
``accept``), :mod:`.compare` (``check``), :mod:`.diff` (``diff_databases``), :mod:`.linting` and
:mod:`.project` (``init``, ``merge``, ``rebase``).  Their results are in
:mod:`.results`, their errors in :mod:`.errors`, the run options in :mod:`.options`.

Names are loaded on first use, so that importing a module of this package (the
command line's ``--help`` reads :mod:`.options`) does not import SQLAlchemy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.lazy import lazy_names

_HOMES = {
    ".adoption": ["adopt", "adopt_plan", "confirm_adoption", "undo_adoption"],
    ".autogenerate": ["revision"],
    ".compare": ["check", "database_schema", "schema_changes"],
    ".context": ["connection", "load_graph"],
    ".diff": ["diff_databases"],
    ".errors": [
        "AlreadyInitialized", "Cancelled", "ChecksumMismatch", "DatabaseAtUnknownRevision", "EmptyModels",
        "MigrationsMissing", "ModelsNotFoundForInit", "NoDowngrade", "NoModels", "NotApplied", "NotAtHead",
        "NothingToMerge", "NothingToResolve", "RebaseApplied", "RebaseUnchecked", "ResumeNotInPlan",
        "SingleTransactionUnsupported", "UnfinishedMigration", "UnknownLintCode",
    ],
    ".linting": ["lint"],
    ".options": ["DEFAULT_WAIT_S", "RunOptions"],
    ".project": ["init", "merge", "rebase"],
    ".records": ["accept", "current", "heads", "history_entries", "resolve", "show", "stamp", "status"],
    ".results": [
        "AcceptResult", "AdoptResult", "CheckResult", "DiffResult", "HistoryEntry", "InitResult", "LintReport", "LintResult",
        "RebaseResult", "ResolveResult", "RevisionResult", "RunResult", "ShowResult", "SqlScript", "StampResult",
        "Status",
    ],
    ".run": ["downgrade", "downgrade_sql", "upgrade", "upgrade_sql"],
    "..runner.events": ["Event", "Step", "StepPreview"],
}
__all__ = sorted(name for names in _HOMES.values() for name in names)


__getattr__ = lazy_names(__name__, _HOMES, globals())


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:
    from ..runner.events import Event, Step, StepPreview
    from .adoption import adopt, adopt_plan, confirm_adoption, undo_adoption
    from .autogenerate import revision
    from .compare import check, database_schema, schema_changes
    from .context import connection, load_graph
    from .diff import diff_databases
    from .errors import (
        AlreadyInitialized, Cancelled, ChecksumMismatch, DatabaseAtUnknownRevision, EmptyModels, MigrationsMissing,
        ModelsNotFoundForInit, NoDowngrade, NoModels, NotApplied, NotAtHead, NothingToMerge, NothingToResolve,
        RebaseApplied, RebaseUnchecked, ResumeNotInPlan, SingleTransactionUnsupported, UnfinishedMigration,
        UnknownLintCode,
    )
    from .linting import lint
    from .options import DEFAULT_WAIT_S, RunOptions
    from .project import init, merge, rebase
    from .records import accept, current, heads, history_entries, resolve, show, stamp, status
    from .results import (
        AcceptResult, AdoptResult, CheckResult, DiffResult, HistoryEntry, InitResult, LintReport, LintResult, RebaseResult,
        ResolveResult, RevisionResult, RunResult, ShowResult, SqlScript, StampResult, Status,
    )
    from .run import downgrade, downgrade_sql, upgrade, upgrade_sql
