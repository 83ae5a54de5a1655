"""The plan without running it: each step's statements rendered offline from the database's schema."""

from __future__ import annotations

from typing import Mapping, Sequence

import sqlalchemy as sa

from ..core import model as m
from ..core.errors import DbshiftError
from ..core.findings import Finding
from ..core.risks import shown_risks
from .events import Event, StatementExecuted, Step, StepPreview
from .failures import MigrationFailed
from .loop import Runner
from .sinks import SqlSink


def preview(
    steps: list[Step] | tuple[Step, ...], dialect: sa.engine.Dialect, schema: m.Schema,
    findings: Mapping[str, Sequence[Finding]] | None = None,
) -> tuple[StepPreview, ...]:
    """Render ``steps`` offline from ``schema`` (the database's, as it is now) without running anything;
    ``findings``: lint's, per revision id, shown with each step."""
    per_step: dict[str, list[str]] = {s.revision.id: [] for s in steps}
    outside: dict[str, set[int]] = {s.revision.id: set() for s in steps}

    def collect(event: Event) -> None:
        if isinstance(event, StatementExecuted):
            if not event.transactional:
                outside[event.step.revision.id].add(len(per_step[event.step.revision.id]))
            per_step[event.step.revision.id].append(event.sql)

    problem: dict[str, str] = {}
    try:
        Runner(SqlSink(dialect, schema), collect).run(steps)
    except MigrationFailed as exc:
        problem[exc.step.revision.id] = f"cannot render {exc.where()}: {exc.reason}"
    except DbshiftError as exc:
        problem[steps[0].revision.id if steps else ""] = str(exc)
    return tuple(
        StepPreview(
            s,
            tuple(per_step[s.revision.id]),
            shown_risks(s.ops),
            problem.get(s.revision.id),
            frozenset(outside[s.revision.id]),
            tuple((findings or {}).get(s.revision.id, ())),
        )
        for s in steps
    )


