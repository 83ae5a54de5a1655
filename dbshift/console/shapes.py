"""The JSON shapes of ``--json`` output: events, run results, lint findings."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from ..api.results import LintResult, RunResult
from ..core.graph import Revision
from ..core.lint import Finding
from ..runner.events import Event


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


def result_json(result: RunResult) -> dict[str, Any]:
    """The last line of ``upgrade --json``: what ran, where the database is now, the plan of a dry run."""
    data: dict[str, Any] = {
        "event": "result",
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
             "problem": p.problem}
            for p in result.plan
        ]
    return data


def lint_json(result: LintResult) -> dict[str, Any]:
    """``lint --json``: the revisions read, every finding of their upgrades, and what their downgrades would lose."""

    def shape(rev: Revision, f: Finding) -> dict[str, Any]:
        return {"revision": rev.id, "code": f.code, "severity": f.severity, "op": f.op,
                "message": f.message, "suggestion": f.suggestion, "heuristic": f.heuristic}

    return {
        "event": "lint", "dialect": result.dialect, "revisions": [r.revision.id for r in result.reports],
        "findings": [shape(rev, f) for rev, f in result.findings],
        "downgrade_findings": [shape(rev, f) for rev, f in result.downgrade_findings],
    }
