"""The Python API: one function per command.  Each takes a :class:`~dbshift.config.Config`
and returns a result value; none prints, and none touches the application's logging.

    from dbshift import api
    from dbshift.config import load_config

    config = load_config()
    api.upgrade(config)                 # apply everything pending
    api.status(config).up_to_date       # is the database at the version the code needs?

The functions live by concern: :mod:`.autogenerate` (``revision``), :mod:`.run`
(``upgrade``, ``downgrade`` and their offline SQL), :mod:`.records` (``current``,
``status``, ``history_entries``, ``heads``, ``show``, ``stamp``, ``resolve``,
``accept``), :mod:`.compare` (``check``, ``diff_databases``), :mod:`.lint` and
:mod:`.project` (``init``, ``merge``, ``rebase``).  Their results are in
:mod:`.results`, their errors in :mod:`.errors`, the run options in :mod:`.options`.
"""

from ..database.lock import DEFAULT_WAIT_S
from ..runner.events import Event, Step, StepPreview
from .autogenerate import revision
from .compare import check, database_schema, diff_databases, schema_changes
from .context import connection, load_graph
from .errors import (
    AlreadyInitialized, Cancelled, ChecksumMismatch, DatabaseAtUnknownRevision, EmptyModels, MigrationsMissing,
    ModelsNotFoundForInit, NoDowngrade, NoModels, NotApplied, NotAtHead, NothingToMerge, NothingToResolve,
    RebaseApplied, RebaseUnchecked, ResumeNotInPlan, SingleTransactionUnsupported, UnfinishedMigration,
    UnknownLintCode,
)
from .lint import lint
from .options import RunOptions
from .project import init, merge, rebase
from .records import accept, current, heads, history_entries, resolve, show, stamp, status
from .results import (
    AcceptResult, CheckResult, DiffResult, HistoryEntry, InitResult, LintReport, LintResult, RebaseResult,
    ResolveResult, RevisionResult, RunResult, ShowResult, SqlScript, StampResult, Status,
)
from .run import downgrade, downgrade_sql, upgrade, upgrade_sql

__all__ = [
    # commands
    "accept", "check", "current", "database_schema", "diff_databases", "downgrade", "downgrade_sql", "heads",
    "history_entries", "init", "lint", "merge", "rebase", "resolve", "revision", "schema_changes", "show", "stamp",
    "status", "upgrade", "upgrade_sql",
    # plumbing a caller may want
    "connection", "load_graph", "RunOptions", "DEFAULT_WAIT_S", "Event", "Step", "StepPreview",
    # results
    "AcceptResult", "CheckResult", "DiffResult", "HistoryEntry", "InitResult", "LintReport", "LintResult",
    "RebaseResult", "ResolveResult", "RevisionResult", "RunResult", "ShowResult", "SqlScript", "StampResult", "Status",
    # errors
    "AlreadyInitialized", "Cancelled", "ChecksumMismatch", "DatabaseAtUnknownRevision", "EmptyModels",
    "MigrationsMissing", "ModelsNotFoundForInit", "NoDowngrade", "NoModels", "NotApplied", "NotAtHead",
    "NothingToMerge", "NothingToResolve", "RebaseApplied", "RebaseUnchecked", "ResumeNotInPlan",
    "SingleTransactionUnsupported", "UnfinishedMigration", "UnknownLintCode",
]
