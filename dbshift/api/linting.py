"""Linting migrations: the operations that lose data, fail on the rows there, or hold long locks, per migration.

Migrations not yet applied are judged against the configured database as it
is (:func:`data_findings`): its table sizes and the rows each change would
fail on or lose.  Migrations already applied, and every migration when the
database cannot be reached, are read from their statements alone, and the
result says so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Iterable, Mapping, Sequence

from ..core.errors import DbshiftError
from ..core.findings import CODES, Finding
from ..core.lint import lint as lint_ops, lint_downgrade, lint_plan
from ..core.model import Schema
from ..core.ops import IrreversibleOperation, Op, apply_all
from ..core.probes import Facts
from ..project import files
from ..project.config import Config
from .context import applied_ids, connection, load_graph, read_rows
from .errors import UnknownLintCode

if TYPE_CHECKING:
    import sqlalchemy as sa

    from .results import LintResult


def lint(
    config: Config, revisions: Iterable[str] | None = None, *, every: bool = False, ignore: Iterable[str] = ()
) -> LintResult:
    """Lint migrations (each one's upgrade, and its downgrade for what it would lose) for the configured
    database's dialect.

    Which: ``revisions`` (ids or references), else every file when ``every``,
    else the migrations not yet applied to the configured database (this one
    needs the database).  ``ignore``: codes left out everywhere; a migration's
    own ``lint_ignore`` silences codes for that migration only.  The pending
    ones are judged on the database's rows when it can be reached.
    """
    from ..database.connect import normalize_url
    from .results import LintReport, LintResult  # here: a run, which asks data_findings only, needs neither

    ignore = tuple(ignore)
    for code in ignore:
        if code not in CODES:
            raise UnknownLintCode(code, "--ignore")
    dialect = normalize_url(config.url).get_backend_name()
    graph = load_graph(config)
    chosen = tuple(revisions or ())
    if chosen:
        wanted = {graph.resolve(ref) for ref in chosen}
    elif every:
        wanted = set(graph.topological())
    else:
        wanted = None
    loaded = {r: files.load(graph.get(r), dialect) for r in wanted or ()}
    checked: dict[str, list[Finding]] = {}
    note: str | None = None
    try:
        with connection(config) as conn:
            applied = applied_ids(read_rows(conn))
            pending = [r for r in graph.topological() if r not in applied]
            for rev_id in pending:
                if rev_id not in loaded:
                    loaded[rev_id] = files.load(graph.get(rev_id), dialect)
            checked = data_findings(conn, [(r, loaded[r].upgrade) for r in pending], config.large_table_rows)
    except DbshiftError as exc:
        if wanted is None:  # which migrations are pending is the database's to say
            raise
        note = f"the database could not be read ({exc}): findings are read from the statements alone"
    if wanted is None:
        wanted = set(checked)
    reports = []
    for rev_id in graph.topological():
        if rev_id not in wanted:
            continue
        migration = loaded[rev_id]
        own = migration.lint_ignore
        for code in own:
            if code not in CODES:
                raise UnknownLintCode(code, f"lint_ignore of {migration.revision.path}")
        skip = set(ignore + own)
        try:
            down = migration.downgrade_ops()
        except IrreversibleOperation:  # no downgrade: nothing it could lose
            down = ()
        if rev_id in checked:
            upgrade = tuple(f for f in checked[rev_id] if f.code not in skip)
        else:
            upgrade = tuple(lint_ops(migration.upgrade, dialect, skip, advise=lambda op: online_advice(op, dialect)))
        reports.append(LintReport(
            migration.revision, upgrade, own, tuple(lint_downgrade(migration.upgrade, down, dialect, skip)),
            checked=rev_id in checked,
        ))
    return LintResult(dialect, tuple(reports), note)


def data_findings(
    conn: sa.Connection, plan: Sequence[tuple[str, Sequence[Op]]], large_rows: int
) -> dict[str, list[Finding]]:
    """The findings of each migration of ``plan`` (revision id, upgrade operations; in the order they run),
    judged on the database ``conn`` reaches as it is now: each migration after the ones before it in ``plan``."""
    from ..sqla.dialect import server_dialect
    from .probing import answer

    dialect = server_dialect(conn.dialect)
    steps = [ops for _, ops in plan]
    copies = table_copies(conn)
    questions = Facts(large_rows=large_rows)
    lint_plan(steps, dialect, facts=questions, copies=copies)
    facts = Facts(answer(conn, questions.asked, large_rows) if questions.asked else {}, large_rows)
    conn.rollback()
    found = lint_plan(steps, dialect, facts=facts, advise=lambda op: online_advice(op, dialect), copies=copies)
    return {rev_id: findings for (rev_id, _), findings in zip(plan, found, strict=True)}


def table_copies(conn: sa.Connection) -> Callable[[Op, Sequence[Op]], str | None] | None:
    """On MariaDB/MySQL: why the server copies an operation's table (:func:`~dbshift.core.mysql_algorithm.why_copy`),
    given the plan's operations before it; the database's schema is read the first time it is asked."""
    from ..core.mysql_algorithm import why_copy
    from ..sqla.dialect import server_version

    server = server_version(conn.dialect)
    if server is None:
        return None
    read: list[Schema] = []

    def copies(op: Op, before: Sequence[Op]) -> str | None:
        from ..sqla.reflect import reflect

        if not read:
            read.append(reflect(conn))
            conn.rollback()
        try:
            schema = apply_all(read[0], tuple(before))
        except (KeyError, ValueError):  # hand-written steps the model cannot follow: the copy is not known
            return None
        return why_copy(op, schema, server)

    return copies


def online_advice(op: Op, dialect: str) -> str | None:
    """What autogenerate writes in place of ``op`` on a large table (:func:`~dbshift.core.online.online_forms`),
    as the migration file spells it; None when ``op`` has no online form on ``dialect``."""
    from ..core.model import qualified
    from ..core.online import online_forms
    from ..project.codegen import render_value

    table = getattr(op, "table", None)
    if not isinstance(table, str):
        return None
    forms = online_forms([op], dialect, {qualified(table, getattr(op, "schema", None))})
    if forms == [op]:
        return None
    written = ", ".join(" ".join(render_value(f).split()) for f in forms)
    return f"write [{written}], as autogenerate does for a large table, with lock_timeout and lock_retries"


def unacknowledged(found: Sequence[Finding], reasons: Mapping[str, str]) -> list[Finding]:
    """The findings the database confirms (a migration would lose rows or fail on them) that the migration
    does not acknowledge with a reason."""
    return [f for f in found if f.confirmed and not reasons.get(f.code, "").strip()]
