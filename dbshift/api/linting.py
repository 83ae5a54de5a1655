"""Linting migrations: the operations that lose data or hold long locks, per migration."""

from __future__ import annotations

from typing import Iterable

from ..core.lint import CODES, lint as lint_ops, lint_downgrade
from ..core.ops import IrreversibleOperation
from ..project import files
from ..project.config import Config
from .context import applied_ids, connection, load_graph, read_rows
from .errors import UnknownLintCode
from .results import LintReport, LintResult


def lint(
    config: Config, revisions: Iterable[str] | None = None, *, every: bool = False, ignore: Iterable[str] = ()
) -> LintResult:
    """Lint migrations (each one's upgrade, and its downgrade for what it would lose) for the configured
    database's dialect (read from the URL, no connection needed).

    Which: ``revisions`` (ids or references), else every file when ``every``,
    else the migrations not yet applied to the configured database (this one
    connects).  ``ignore``: codes left out everywhere; a migration's own
    ``lint_ignore`` silences codes for that migration only.
    """
    from ..database.connect import normalize_url

    ignore = tuple(ignore)
    for code in ignore:
        if code not in CODES:
            raise UnknownLintCode(code, "--ignore")
    dialect = normalize_url(config.url).get_backend_name()
    graph = load_graph(config)
    if revisions is not None and tuple(revisions):
        wanted = {graph.resolve(ref) for ref in revisions}
    elif every:
        wanted = set(graph.topological())
    else:
        with connection(config) as conn:
            applied = applied_ids(read_rows(conn))
        wanted = {r for r in graph.topological() if r not in applied}
    reports = []
    for rev_id in graph.topological():
        if rev_id not in wanted:
            continue
        rev = graph.get(rev_id)
        migration = files.load(rev, dialect)
        own = migration.lint_ignore
        for code in own:
            if code not in CODES:
                raise UnknownLintCode(code, f"lint_ignore of {rev.path}")
        try:
            down = migration.downgrade_ops()
        except IrreversibleOperation:  # no downgrade: nothing it could lose
            down = ()
        reports.append(LintReport(
            rev, tuple(lint_ops(migration.upgrade, dialect, ignore + own)), own,
            tuple(lint_downgrade(migration.upgrade, down, dialect, ignore + own)),
        ))
    return LintResult(dialect, tuple(reports))
