"""Text for API results and runner events, shared by ``dbshift`` and ``flask db``.

Pure functions: a result or an event in, lines of text out.  Nothing here prints,
so both front ends show exactly the same words for the same outcome.  Where a
line names a command, ``program`` says how the front end runs it.
"""

from __future__ import annotations

from typing import Iterable

from ..api.results import (
    AcceptResult, AdoptResult, CheckResult, DiffResult, HistoryEntry, LintResult, RebaseResult, ResolveResult, RevisionResult,
    RunResult, ShowResult, StampResult, Status,
)
from ..core.graph import Revision, RevisionGraph
from ..core.renames import PossibleRename
from ..runner.events import Event, LockWaiting, Notice, RunFinished, StepFinished, StepPreview, StepStarted


def short(revision: Revision) -> str:
    """``<id>  <message>``."""
    return f"{revision.id}  {revision.message}".rstrip()


def revision_lines(result: RevisionResult) -> list[str]:
    """After ``revision``/``migrate``: the file written and its operations, or that nothing changed."""
    if result.path is None:
        return ["No changes: the models match the database; nothing written."]
    lines = [f"Wrote {result.path}"]
    for op in result.ops:
        risk = f"   !! {op.risk}" if op.risk else ""
        lines.append(f"  - {op.describe()}{risk}")
    return lines + dependant_lines(result)


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
        if preview.problem:
            lines.append(f"        ?? {preview.problem}")
    return lines


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
        lines += [f"    {' '.join(sql.split())}" for sql in preview.statements]
        lines += [f"    !! {risk}" for risk in preview.risks]
        if preview.problem:
            lines.append(f"    ?? {preview.problem}")
    lines.append(f"Dry run: nothing was changed; the database is still at {', '.join(result.current) or 'base'}.")
    return lines


def run_lines(result: RunResult) -> list[str]:
    """The closing line of an upgrade or downgrade."""
    at = ", ".join(result.current) or "base"
    if not result.steps:
        return [f"Nothing to do: the database is already at {at}."]
    return [f"Now at {at}."]


def current_lines(status: Status, graph: RevisionGraph, program: str = "dbshift") -> list[str]:
    """Where the database is, then any unfinished run and any applied migration edited since."""
    if not status.current:
        lines = ["base (no migration applied)"]
    else:
        lines = [f"{short(graph.get(r))}{' (head)' if r in status.heads else ''}" for r in status.current]
    for row in status.unfinished:
        verb = "upgrade" if row.direction == "up" else "downgrade"
        lines.append(f"Unfinished: {row.revision} {row.status} during its {verb} after statement "
                     f"{row.statements_done or 0}; see '{program} {verb} --resume' and '{program} resolve --help'")
    if status.edited:
        lines.append(f"Migrations edited since applied: {', '.join(status.edited)}; see '{program} accept --help'")
    return lines


def pending_lines(status: Status) -> list[str]:
    return [f"{len(status.pending)} migration(s) pending: {', '.join(status.pending)}"] if status.pending else []


def history_lines(entries: list[HistoryEntry], *, verbose: bool = False) -> list[str]:
    """Newest first; ``*`` marks applied revisions."""
    if not entries:
        return ["No migrations yet."]
    lines = []
    for e in entries:
        marks = [m for m, on in (("head", e.head), ("current", e.current)) if on]
        state = "*" if e.applied else " "
        parents = ", ".join(e.revision.parents) or "base"
        lines.append(
            f"{state} {e.revision.id} <- {parents}  {e.revision.message}" + (f"  ({', '.join(marks)})" if marks else "")
        )
        if verbose and e.revision.path:
            lines.append(f"      file: {e.revision.path}")
    return lines


def heads_lines(revisions: Iterable[Revision], *, verbose: bool = False) -> list[str]:
    lines = []
    for rev in revisions:
        lines.append(short(rev))
        if verbose and rev.path:
            lines.append(f"      file: {rev.path}")
    return lines


def show_lines(result: ShowResult) -> list[str]:
    rev = result.revision
    lines = [
        f"Revision: {rev.id}",
        f"Parents:  {', '.join(rev.parents) or 'base'}",
        f"Message:  {rev.message}",
        f"File:     {rev.path}",
        "Upgrade:",
    ]
    lines += [f"  - {op.describe()}" for op in result.upgrade]
    if result.downgrade is not None:
        lines.append("Downgrade (written by hand):")
        lines += [f"  - {op.describe()}" for op in result.downgrade]
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


def rebase_lines(result: RebaseResult) -> list[str]:
    moved = ", ".join(result.moved)
    lines = [f"Put {moved} on top of {result.onto} (rewrote {', '.join(str(p) for p in result.paths)})"]
    if not result.checked:
        lines.append("The database was not checked: make sure no database has run these migrations.")
    return lines


def check_lines(result: CheckResult, program: str = "dbshift") -> list[str]:
    unverified = [f"warning: cannot tell whether the database has what this does: {u}" for u in result.unverified]
    if result.ok and unverified:
        return ["The database matches the models, except what dbshift cannot compare:", *unverified]
    if result.ok:
        return ["The database matches the models."]
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


def lint_lines(result: LintResult) -> list[str]:
    """``REV  CODE  message (suggestion)`` per finding, then what the downgrades would lose, then a summary line."""
    lines = [f"{rev.id}  {f.code}  {f.message} ({f.suggestion})" for rev, f in result.findings]
    down = [f"{rev.id}  {f.code}  downgrade: {f.message} ({f.suggestion})" for rev, f in result.downgrade_findings]
    count = len(result.reports)
    if not lines:
        summary = f"No unsafe operations in {count} migration(s) ({result.dialect})."
    else:
        summary = (f"{len(lines)} finding(s) in {count} migration(s) ({result.dialect}); "
                   "silence one with lint_ignore = (\"CODE\",) in its migration or --ignore CODE")
    if down:
        summary += f" Downgrades: {len(down)} would lose data or fail on it (not counted in the exit code)."
    return lines + down + [summary]
