"""The JSON shapes of ``--json`` output: events, run results, lint findings, and the read commands
(``current``, ``history``, ``heads``, ``check``, ``show``).  Every object a command prints about a
database names it (``"database": {"url": …, "source": …}``, the password hidden)."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone
import re
from typing import TYPE_CHECKING, Any, Iterable

from ..core.graph import Revision, RevisionGraph

if TYPE_CHECKING:
    from ..api.results import CheckResult, HistoryEntry, LintResult, RunResult, ShowResult, Status
    from ..core.findings import Finding
    from ..project.config import Config
    from ..runner.events import Event, StepPreview


def event_json(event: Event) -> dict[str, Any]:
    """``{"event": "step_started", "revision": …}``: the event's fields, its step flattened."""
    data: dict[str, Any] = {"event": re.sub(r"(?<!^)(?=[A-Z])", "_", type(event).__name__).lower()}
    for f in dataclasses.fields(event):
        value = getattr(event, f.name)
        if f.name == "step":
            data.update(revision=value.revision.id, message=value.revision.message, direction=value.direction)
        elif f.name == "error":
            data.update(error=str(value), statement=value.number, outcome=value.outcome)
        else:
            data[f.name] = value
    return data


def result_json(result: RunResult, config: Config | None = None) -> dict[str, Any]:
    """The last line of ``upgrade --json``: what ran, on which database, where it is now, the plan of a dry run."""
    data: dict[str, Any] = {
        "event": "result",
        **({"database": database_json(config)} if config is not None else {}),
        "direction": result.direction,
        "dry_run": result.dry_run,
        "revisions": [s.revision.id for s in result.steps],
        "nothing_to_do": not result.steps,
        "current": list(result.current),
    }
    if result.resumed:
        data["resumed"] = result.resumed
    if result.dry_run:
        data["plan"] = [
            {"revision": p.step.revision.id, "statements": list(p.statements), "risks": list(p.risks),
             "problem": p.problem, "outside_transaction": sorted(p.outside),
             "findings": [finding_json(f) for f in p.findings]}
            for p in result.plan
        ]
    return data


def lint_json(result: LintResult) -> dict[str, Any]:
    """``lint --json``: the revisions read, every finding of their upgrades, and what their downgrades would lose."""

    checked = {r.revision.id for r in result.reports if r.checked}

    def shape(rev: Revision, f: Finding) -> dict[str, Any]:
        return finding_json(f) | {"revision": rev.id, "checked": rev.id in checked}

    return {
        "event": "lint", "dialect": result.dialect, "revisions": [r.revision.id for r in result.reports],
        "checked": sorted(checked), "note": result.note,
        "findings": [shape(rev, f) for rev, f in result.findings],
        "downgrade_findings": [shape(rev, f) for rev, f in result.downgrade_findings],
    }


def finding_json(f: Finding) -> dict[str, Any]:
    """One finding: its code, severity, operation, message and suggestion, and the rows the database showed."""
    return {"code": f.code, "severity": f.severity, "op": f.op, "message": f.message, "suggestion": f.suggestion,
            "heuristic": f.heuristic, "rows": f.rows}


def database_json(config: Config) -> dict[str, Any]:
    """``{"url": <masked>, "source": "DBSHIFT_URL"}``: which database, never its password."""
    from ..database.secrets import mask

    return {"url": mask(config.url), "source": config.url_source}


def revision_json(rev: Revision) -> dict[str, Any]:
    return {"revision": rev.id, "parents": list(rev.parents), "message": rev.message, "path": rev.path}


def current_json(status: Status, graph: RevisionGraph, config: Config) -> dict[str, Any]:
    """``current --json``: where the database is, its heads, what is pending, unfinished or edited."""
    return {
        "event": "current", "database": database_json(config), "current": list(status.current),
        "heads": list(status.heads), "pending": list(status.pending), "up_to_date": status.up_to_date,
        "unfinished": [{"revision": r.revision, "status": r.status, "direction": r.direction,
                        "statements_done": r.statements_done, "error": r.error} for r in status.unfinished],
        "edited": list(status.edited),
    }


def history_json(entries: Iterable[HistoryEntry], config: Config | None) -> dict[str, Any]:
    """``history --json``: every revision newest first, with what ``dbshift_history`` records of its run."""

    def shape(e: HistoryEntry) -> dict[str, Any]:
        row = e.row
        return {
            **revision_json(e.revision), "applied": e.applied, "current": e.current, "head": e.head,
            "created": _utc(e.created),
            "applied_at": _utc(row.applied_at) if row is not None else None,
            "duration_ms": row.duration_ms if row is not None else None,
            "run_by": row.run_by if row is not None else None,
            "status": row.status if row is not None else None,
        }

    return {"event": "history", "database": database_json(config) if config is not None else None,
            "revisions": [shape(e) for e in entries]}


def _utc(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC; a time without a zone (SQLite keeps none) is UTC as dbshift wrote it."""
    if moment is None:
        return None
    return (moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)).isoformat()


def heads_json(revisions: Iterable[Revision], config: Config) -> dict[str, Any]:
    return {"event": "heads", "database": database_json(config), "heads": [revision_json(r) for r in revisions]}


def check_json(result: CheckResult, config: Config, program: str) -> dict[str, Any]:
    """``check --json``: whether models, history and database agree, and each difference and problem."""
    return {
        "event": "check", "database": database_json(config), "ok": result.ok,
        "problems": list(result.problems_for(program)),
        "differences": [{"op": type(op).__name__, "description": op.describe(), "risk": op.risk} for op in result.ops],
    }


def show_json(result: ShowResult, config: Config) -> dict[str, Any]:
    """``show --json``: the migration and every statement of both directions, for the configured database."""

    def statements(preview: StepPreview | None) -> list[dict[str, Any]] | None:
        if preview is None:
            return None
        return [{"sql": sql, "transaction": number not in preview.outside}
                for number, sql in enumerate(preview.statements)]

    return {
        "event": "show", "database": database_json(config), **revision_json(result.revision),
        "kind": result.kind, "dialect": result.dialect,
        "upgrade": statements(result.up), "downgrade": statements(result.down),
        "no_downgrade": result.no_downgrade,
        "problems": [p.problem for p in (result.up, result.down) if p is not None and p.problem],
    }
