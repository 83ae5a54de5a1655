"""Text for API results and runner events, shared by ``dbshift`` and ``flask db``.

Pure functions: a result or an event in, lines of text out.  Nothing here prints,
so both front ends show exactly the same words for the same outcome.  Where a
line names a command, ``program`` says how the front end runs it.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Iterable

from ..core.errors import for_program, join_heads_hint
from ..core.graph import Revision, RevisionGraph
from .lanes import graph_rows

if TYPE_CHECKING:
    from ..api.results import (
        AcceptResult, AdoptResult, CheckResult, DiffResult, HistoryEntry, LintResult, RebaseResult, ResolveResult,
        RevisionResult, RunResult, ShowResult, StampResult, Status,
    )
    from ..runner.events import Event, StepPreview
    from ..core import ops as o
    from ..core.renames import PossibleRename
    from ..project.config import Config


def short(revision: Revision) -> str:
    """``<id>  <message>``."""
    return f"{revision.id}  {revision.message}".rstrip()


def database_line(config: Config) -> str:
    """``Database: <url, password hidden> (<where it comes from>)``: the one line naming a command's target."""
    from ..database.secrets import mask

    return f"Database: {mask(config.url)} ({database_source(config)})"


_FLASK_SOURCES = ("SQLALCHEMY_", "DBSHIFT_MIGRATION_")


def database_source(config: Config) -> str:
    """Where the URL comes from, in words; for the embedded default, how to choose another database."""
    source = config.url_source
    if source == "default":
        return f"the embedded default of app {config.app!r}; choose another with --url, $DBSHIFT_URL or url_env"
    if source == "config":
        return "from url in [tool.dbshift]"
    if source.startswith(_FLASK_SOURCES):
        return f"from {source} in the app's config"
    if source.isidentifier() and source.upper() == source:
        return f"from ${source}"
    return f"from {source}"


def revision_lines(result: RevisionResult) -> list[str]:
    """After ``revision``/``migrate``: the file written and its operations, or that nothing changed."""
    if result.path is None:
        return ["No changes: the models match the database; nothing written."]
    lines = [f"Wrote {result.path}"]
    lines += op_lines(result.ops)
    return lines + dependant_lines(result) + [f"  note: {note}" for note in result.notes]


def hand_written_lines(result: RevisionResult, program: str = "dbshift") -> list[str]:
    """After an empty migration was written: what to put in it, and how to run it."""
    if result.path is None:
        return []
    if result.path.suffix == ".sql":
        what = "its SQL under the header (and, to make it reversible, a '-- down' line followed by the SQL that undoes it)"
    else:
        what = "its steps in upgrade = [...] (RunSQL, RunPython, operations)"
    return [f"Next: write {what}, then '{program} show {result.revision.id if result.revision else ''}' and "
            f"'{program} upgrade'"]


def op_lines(ops: Iterable[o.Op], indent: str = "  ") -> list[str]:
    """``- <what it does>   !! <risk>`` per operation; a risk is read in the context of the steps before it
    (a NOT NULL change right after the step that fills its NULLs carries no warning about NULLs)."""
    from ..core.ops import RunSQL
    from ..core.risks import step_risks

    ops = tuple(op for op in ops if not (isinstance(op, RunSQL) and not op.sql.strip()))  # steps that do nothing
    risks = step_risks(ops)
    return [f"{indent}- {op.describe()}" + (f"   !! {risk}" if risk else "") for op, risk in zip(ops, risks, strict=True)]


def dependant_lines(result: RevisionResult | CheckResult) -> list[str]:
    """Views, triggers… of the database (which models cannot express) that the operations drop or change under."""
    return [f"  !! {d.describe()}" for d in getattr(result, "dependants", ())]


def diff_warning_lines(result: DiffResult) -> list[str]:
    """Warnings (for stderr) about what ``dbshift diff`` did not compare, and what its SQL breaks."""
    lines = [f"warning: {d.describe()}; {d.not_compared}: write that change by hand" for d in result.unmodelled]
    return lines + [f"warning: {d.describe('this script')}" for d in result.dependants]


def possible_rename_lines(result: RevisionResult) -> list[str]:
    """Warnings (for stderr) about possible renames the written migration treats as drop + add."""
    return [
        f"possible rename: {p.describe()}; the migration drops and adds it, losing its data. "
        f"If it is a rename, delete {result.path.name if result.path else 'it'} and re-run with --rename {p.hint}"
        for p in result.possible_renames
    ]


def rename_question(candidate: PossibleRename) -> str:
    """The yes/no question asked about a possible rename."""
    return f"Was {candidate.kind} {candidate.old} renamed to {candidate.new.rsplit('.', 1)[-1]}?"


def event_line(event: Event) -> str | None:
    """One line of progress for a runner event, or ``None`` for events not shown."""
    # (imported here: a command that runs no migration never loads the runner's events)
    from ..runner.events import LockWaiting, Notice, RunFinished, StepFinished, StepStarted

    if isinstance(event, StepStarted):
        verb = "Applying" if event.step.direction == "up" else "Reverting"
        resumed = f" (resuming after statement {event.resume_from})" if event.resume_from else ""
        return f"[{event.index}/{event.total}] {verb} {short(event.step.revision)}{resumed}"
    if isinstance(event, StepFinished):
        return f"      done in {event.duration_ms} ms"
    if isinstance(event, RunFinished) and event.steps:
        return f"{event.steps} migration(s) in {event.duration_ms} ms"
    if isinstance(event, Notice):
        return event.text
    if isinstance(event, LockWaiting):
        return f"Waiting up to {event.timeout_s:g} s for the migration lock held by {event.holder or 'another run'}"
    return None


def confirm_lines(plan: tuple[StepPreview, ...], masked_url: str) -> list[str]:
    """The plan shown before the question on a database on another host."""
    lines = [f"Plan for {masked_url}:"]
    for index, preview in enumerate(plan, 1):
        lines.append(f"  [{index}/{len(plan)}] {short(preview.step.revision)}  ({len(preview.statements)} statement(s))")
        lines += [f"        !! {risk}" for risk in preview.risks]
        lines += plan_finding_lines(preview, "        ")
        if preview.problem:
            lines.append(f"        ?? {preview.problem}")
    return lines


def plan_finding_lines(preview: StepPreview, indent: str) -> list[str]:
    """Lint's findings on the database's rows for a step of a plan: ``lint DS111 (error): …``."""
    return [f"{indent}lint {f.code} ({f.severity}): {f.message} ({f.suggestion})" for f in preview.findings]


def data_loss_lines(plan: tuple[StepPreview, ...], masked_url: str) -> list[str]:
    """Said before a downgrade that loses data runs: which migrations, and what each loses."""
    lines = [f"Warning: this downgrade of {masked_url} loses data:"]
    for index, preview in enumerate(plan, 1):
        if preview.risks:
            lines.append(f"  [{index}/{len(plan)}] {short(preview.step.revision)}")
            lines += [f"        !! {risk}" for risk in preview.risks]
    return lines


def plan_lines(result: RunResult) -> list[str]:
    """What an upgrade or downgrade would run, step by step, with its statements and risks."""
    if not result.plan:
        return [f"Nothing to do: the database is already at {', '.join(result.current) or 'base'}."]
    lines = []
    total = len(result.plan)
    for index, preview in enumerate(result.plan, 1):
        verb = "Would apply" if preview.step.direction == "up" else "Would revert"
        lines.append(f"[{index}/{total}] {verb} {short(preview.step.revision)}")
        lines += statement_lines(preview, "    ")
        lines += [f"    !! {risk}" for risk in preview.risks]
        lines += plan_finding_lines(preview, "    ")
        if preview.problem:
            lines.append(f"    ?? {preview.problem}")
    lines.append(f"Dry run: nothing was changed; the database is still at {', '.join(result.current) or 'base'}.")
    return lines


OUTSIDE_MARK = "(outside a transaction) "


def statement_lines(preview: StepPreview, indent: str) -> list[str]:
    """Every statement in full, its own lines kept (the next ones indented under its first); one that runs
    outside a transaction says so first."""
    import textwrap

    lines = []
    for number, sql in enumerate(preview.statements):
        first, *rest = textwrap.dedent(sql.expandtabs(4).strip("\n")).rstrip().splitlines() or [""]
        lines.append(f"{indent}{OUTSIDE_MARK if number in preview.outside else ''}{first}")
        lines += [f"{indent}{line.rstrip()}" for line in rest if line.strip()]
    return lines


def run_lines(result: RunResult) -> list[str]:
    """The closing line of an upgrade or downgrade."""
    at = ", ".join(result.current) or "base"
    if not result.steps:
        return [f"Nothing to do: the database is already at {at}."]
    return [f"Now at {at}."]


def current_lines(status: Status, graph: RevisionGraph, program: str = "dbshift") -> list[str]:
    """Where the database is, the heads of a forked history it has not reached, then any unfinished run and
    any applied migration edited since."""
    if not status.current:
        lines = ["base (no migration applied)"]
    else:
        lines = [f"{short(graph.get(r))}{' (head)' if r in status.heads else ''}" for r in status.current]
    if len(status.heads) > 1:  # a forked history: the other branch is easy to miss
        lines += [f"Not applied: head {short(graph.get(h))} (the history has {len(status.heads)} heads; "
                  f"see '{program} history')" for h in status.heads if h in status.pending]
    for row in status.unfinished:
        verb = "upgrade" if row.direction == "up" else "downgrade"
        lines.append(f"Unfinished: {row.revision} {row.status} during its {verb} after statement "
                     f"{row.statements_done or 0}; see '{program} {verb} --resume' and '{program} resolve --help'")
    if status.edited:
        lines.append(f"Migrations edited since applied: {', '.join(status.edited)}; see '{program} accept --help'")
    return lines


def pending_lines(status: Status) -> list[str]:
    return [f"{len(status.pending)} migration(s) pending: {', '.join(status.pending)}"] if status.pending else []


def history_lines(entries: list[HistoryEntry], *, verbose: bool = False, program: str = "dbshift") -> list[str]:
    """Newest first; ``*`` marks applied revisions.  A forked history is drawn as a graph (as ``git log
    --graph`` draws one: ``*`` an applied revision, ``o`` one not applied).  ``verbose``: each migration's
    file, when it was written and, once applied, when, how long it took and who ran it."""
    if not entries:
        return ["No migrations yet."]
    rows = graph_rows([(e.revision.id, e.revision.parents, e.applied) for e in entries]) if _forked(entries) else None
    lines = []
    for index, e in enumerate(entries):
        marks = [m for m, on in (("head", e.head), ("current", e.current)) if on]
        parents = ", ".join(e.revision.parents) or "base"
        text = f"{e.revision.id} <- {parents}  {e.revision.message}" + (f"  ({', '.join(marks)})" if marks else "")
        if rows is None:
            lines.append(f"{'*' if e.applied else ' '} {text}")
            lane = "      "
        else:
            before, node, lane = rows[index]
            lines += before
            lines.append(f"{node}{text}")
        if verbose:
            lines += [f"{lane}{detail}" for detail in entry_details(e)]
    if rows is not None:
        lines.append("(* applied, o not applied)")
    heads = sorted(e.revision.id for e in entries if e.head)
    if len(heads) > 1:
        hint = join_heads_hint(heads, {e.revision.id for e in entries if e.head and e.applied})
        lines.append(f"The history has {len(heads)} heads: {for_program(hint, program)}.")
    return lines


def _forked(entries: list[HistoryEntry]) -> bool:
    """Whether the history shown forks anywhere: a merge, a revision with two children, two heads or bases."""
    parents = [p for e in entries for p in e.revision.parents]
    return (any(len(e.revision.parents) > 1 for e in entries) or len(set(parents)) < len(parents)
            or sum(e.head for e in entries) > 1 or sum(not e.revision.parents for e in entries) > 1)


def entry_details(entry: HistoryEntry) -> list[str]:
    """``history -v``: the file, when it was written, and what ``dbshift_history`` records of its run."""
    details = []
    if entry.revision.path:
        details.append(f"file: {entry.revision.path}")
    if entry.created is not None:
        details.append(f"created: {_moment(entry.created)}")
    row = entry.row
    if row is not None and row.applied:
        by = f" by {row.run_by}" if row.run_by else ""
        details.append(f"applied: {_moment(row.applied_at)} in {row.duration_ms} ms{by}")
    elif row is not None:
        details.append(f"{row.status}: {_moment(row.applied_at)} during its {row.direction}grade, after statement "
                       f"{row.statements_done or 0}" + (f" ({row.run_by})" if row.run_by else ""))
    return details


def _moment(moment: datetime) -> str:
    """``2026-11-21 14:23:01 UTC``."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def heads_lines(revisions: Iterable[Revision], *, verbose: bool = False) -> list[str]:
    lines = []
    for rev in revisions:
        lines.append(short(rev))
        if verbose and rev.path:
            lines.append(f"      file: {rev.path}")
    return lines


def show_lines(result: ShowResult) -> list[str]:
    """One migration: its header, then for each direction its operations (Python migrations) and every
    statement it runs on the configured database's family, in full."""
    rev = result.revision
    lines = [
        f"Revision: {rev.id}",
        f"Parents:  {', '.join(rev.parents) or 'base'}",
        f"Message:  {rev.message}",
        f"File:     {rev.path}",
    ]
    lines += _direction_lines("Upgrade", result.up, result)
    if result.down is None:
        lines.append(f"Downgrade: none: {result.no_downgrade}")
    else:
        by_hand = result.downgrade is not None and result.kind == "python"
        lines += _direction_lines("Downgrade (written by hand)" if by_hand else "Downgrade", result.down, result)
    return lines


def _direction_lines(title: str, preview: StepPreview | None, result: ShowResult) -> list[str]:
    lines = [f"{title}:"]
    if preview is None:
        return lines
    if result.kind == "python":
        lines += op_lines(preview.step.ops)
    count = len(preview.statements)
    lines.append(f"  SQL for {result.dialect} ({'no statements' if not count else f'{count} statement(s)'}):")
    lines += statement_lines(preview, "    ")
    lines += [f"    ?? {preview.problem}"] if preview.problem else []
    return lines


def stamp_lines(result: StampResult) -> list[str]:
    return [f"Stamped: {', '.join(result.before) or 'base'} -> {', '.join(result.after) or 'base'}"]


def adopt_lines(result: AdoptResult, program: str = "dbshift") -> list[str]:
    """What an adoption step will do or did, naming the revisions and what happens to Alembic's table."""
    table, at = result.version_table, ", ".join(result.alembic_at) or "no revision"
    count = f"{len(result.revisions)} revision(s)"
    if result.action == "confirmed":
        return [f"Dropped {table} (it was at {at}): dbshift alone keeps the history now."]
    if result.action == "undone":
        return [f"Removed the adoption: {count} no longer recorded in dbshift_history; {table} (at {at}) is "
                "as it was."]
    if result.action == "already":
        return [f"Already adopted: dbshift_history records the {count} {table} (at {at}) stands for."]
    if result.action == "plan":
        lines = [f"{table} is at {at}; adopting records {count} as applied:"]
    else:
        lines = [f"Recorded {count} as applied ({table} is at {at}):"]
    lines += [f"  {rev.id}  {rev.message}" for rev in result.revisions]
    if result.action == "adopted":
        lines.append(f"Now at {', '.join(result.current) or 'base'}. {table} is kept: undo with "
                     f"'{program} adopt --undo', or drop it with '{program} adopt --confirm'.")
    return lines


def merge_lines(result: RevisionResult) -> list[str]:
    parents = result.revision.parents if result.revision else ()
    return [f"Wrote {result.path} (merging {', '.join(parents)})"]


def rebase_lines(result: RebaseResult, program: str = "dbshift") -> list[str]:
    moved = ", ".join(result.moved)
    lines = [f"Put {moved} on top of {result.onto} (rewrote {', '.join(str(p) for p in result.paths)})"]
    if not result.checked:
        lines.append("The database was not checked: make sure no database has run these migrations.")
    accept = " ".join(result.moved)
    lines.append(f"A database that had already applied {moved} (a teammate's, staging) now sees "
                 f"{'it' if len(result.moved) == 1 else 'them'} as edited: run '{program} accept {accept}' there.")
    return lines


def check_lines(result: CheckResult, program: str = "dbshift", *, models: bool = True) -> list[str]:
    """What ``check`` found; ``models``: the project has models to compare (else only the history is checked)."""
    unverified = [f"warning: cannot tell whether the database has what this does: {u}" for u in result.unverified]
    if result.ok and unverified:
        return ["The database matches the models, except what dbshift cannot compare:", *unverified]
    if result.ok:
        return ["The database matches the models." if models else
                "The history is in order and fully applied (no models to compare: migrations are written by hand)."]
    lines = [f"problem: {p}" for p in result.problems_for(program)]
    if result.ops:
        lines.append(f"{len(result.ops)} difference(s) between the models and the database:")
        lines += [f"  - {op.describe()}" for op in result.ops]
    return lines + dependant_lines(result) + unverified


def resolve_lines(result: ResolveResult) -> list[str]:
    after = "applied" if result.outcome == "applied" else "not applied (pending again)"
    return [f"Recorded {result.revision} as {after}; its {result.direction}grade had been left {result.status}."]


def accept_lines(results: tuple[AcceptResult, ...]) -> list[str]:
    return [
        f"{r.revision}: unchanged ({r.path or 'no file'})" if r.old == r.new else
        f"Accepted {r.revision} as it is now ({r.path or 'no file'}): checksum {r.old[:12]} -> {r.new[:12]}"
        for r in results
    ]


def finding_lines(result: LintResult) -> list[str]:
    """The findings of a migration just written, under its operations (its downgrade's marked so)."""
    return [f"  lint {f.code}: {f.message} ({f.suggestion})" for _, f in result.findings] + [
        f"  lint {f.code}: downgrade: {f.message} ({f.suggestion})" for _, f in result.downgrade_findings
    ]


def lint_ignore_hint(revisions: Iterable[Revision]) -> str:
    """How a migration silences a code, in the form its files take (a SQL comment in a ``.sql`` file)."""
    suffixes = {str(r.path or "").rsplit(".", 1)[-1] for r in revisions}
    python, sql = 'lint_ignore = {"CODE": "why"} in its migration', "-- lint_ignore: CODE why in its .sql file"
    forms = [python] * bool(suffixes - {"sql"}) + [sql] * ("sql" in suffixes)
    return " or ".join(forms or [python])


def lint_lines(result: LintResult) -> list[str]:
    """``REV  CODE  message (suggestion)`` per finding, then what the downgrades would lose, then a summary line."""
    lines = [f"{rev.id}  {f.code}  {f.message} ({f.suggestion})" for rev, f in result.findings]
    down = [f"{rev.id}  {f.code}  downgrade: {f.message} ({f.suggestion})" for rev, f in result.downgrade_findings]
    count = len(result.reports)
    if not lines:
        summary = f"No unsafe operations in {count} migration(s) ({result.dialect})."
    else:
        flagged = {rev.id: rev for rev, _ in result.findings}.values()
        summary = (f"{len(lines)} finding(s) in {count} migration(s) ({result.dialect}); "
                   f"silence one with {lint_ignore_hint(flagged)}, or --ignore CODE")
    if down:
        summary += f" Downgrades: {len(down)} would lose data or fail on it (not counted in the exit code)."
    return lines + down + [summary] + lint_source_lines(result)


def lint_source_lines(result: LintResult) -> list[str]:
    """What the findings were judged on: the database's rows, or the statements alone (and why)."""
    if result.note:
        return [f"Note: {result.note}."]
    unchecked = [r.revision.id for r in result.reports if not r.checked]
    if unchecked and len(unchecked) < len(result.reports):
        return [f"Note: {len(unchecked)} applied migration(s) read from their statements alone; "
                "the pending ones were judged on the database's rows."]
    if unchecked:
        return ["Note: applied migrations are read from their statements alone."]
    return []
