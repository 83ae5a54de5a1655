"""How a run looks to a person or a program: progress lines, JSON events, the confirmation question.

Shared by ``dbshift`` (cli.py) and ``flask db`` (flask/commands.py), so both
show the same words for the same events.  Text itself comes from
:mod:`dbshift.formatting`; this module owns the streams, the ticking clock on
a terminal, and the JSON shapes.
"""

from __future__ import annotations

import json
import threading
import time
from typing import TextIO

from . import formatting as fmt


class Output:
    """Where the command writes: text lines to ``out``, problems to ``err``."""

    def __init__(self, out: TextIO, err: TextIO, stdin: TextIO | None = None) -> None:
        self.out, self.err, self.stdin = out, err, stdin

    @property
    def interactive(self) -> bool:
        """Someone at a terminal can answer questions."""
        try:
            return self.stdin is not None and self.stdin.isatty()
        except (AttributeError, ValueError):
            return False

    def line(self, text: str = "") -> None:
        print(text, file=self.out)

    def lines(self, lines: list[str]) -> None:
        for text in lines:
            self.line(text)

    def error(self, text: str) -> None:
        print(f"error: {text}", file=self.err)


def confirm_plan(output: Output, url: str, direction: str, json_mode: bool):  # noqa: ANN202
    """Show the plan and ask before changing a database on another host."""
    from .db import mask

    stream = output.err if json_mode else output.out

    def confirm(plan) -> bool:  # noqa: ANN001 - tuple[runner.StepPreview, ...]
        total = len(plan)
        print(f"Plan for {mask(url)}:", file=stream)
        for index, preview in enumerate(plan, 1):
            count = f"{len(preview.statements)} statement(s)"
            print(f"  [{index}/{total}] {fmt.short(preview.step.revision)}  ({count})", file=stream)
            for risk in preview.risks:
                print(f"        !! {risk}", file=stream)
            if preview.problem:
                print(f"        ?? {preview.problem}", file=stream)
        verb = "Apply" if direction == "up" else "Revert"
        stream.write(f"{verb} {total} migration(s) on {mask(url)}? [y/N] ")
        stream.flush()
        answer = output.stdin.readline()
        return answer.strip().lower() in ("y", "yes")

    return confirm


class TextProgress:
    """Progress lines; on a terminal, a ticking elapsed time while a migration runs."""

    def __init__(self, output: Output) -> None:
        self.output = output
        self.started = time.monotonic()
        self.tty = isatty(output.out)
        self.step_started: float | None = None
        self.label = ""
        self.lock = threading.Lock()
        self.ticking = False
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def __call__(self, event) -> None:  # noqa: ANN001 - runner.Event
        from .runner import StepFailed, StepFinished, StepStarted

        text = fmt.event_line(event)
        if isinstance(event, StepFinished):
            text = f"{text} (elapsed {time.monotonic() - self.started:.1f} s)"
        with self.lock:
            if isinstance(event, (StepFinished, StepFailed)):
                self.step_started = None
            self._clear()
            if text is not None:
                self.output.line(text)
            if isinstance(event, StepStarted):
                self.step_started = time.monotonic()
                self.label = f"[{event.index}/{event.total}]"
        if self.tty and self.thread is None:
            self.thread = threading.Thread(target=self._tick, daemon=True)
            self.thread.start()

    def _clear(self) -> None:
        if self.ticking:
            self.output.out.write("\r\033[K")
            self.ticking = False

    def _tick(self) -> None:
        while not self.stop.wait(1.0):
            with self.lock:
                if self.step_started is None or time.monotonic() - self.step_started < 2:
                    continue
                running = time.monotonic() - self.step_started
                total = time.monotonic() - self.started
                self.output.out.write(f"\r      {self.label} running for {running:.0f} s (elapsed {total:.0f} s)")
                self.output.out.flush()
                self.ticking = True

    def close(self) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join()
        with self.lock:
            self._clear()


def isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class JsonEvents:
    """One JSON object per event, one per line."""

    def __init__(self, output: Output) -> None:
        self.output = output

    def __call__(self, event) -> None:  # noqa: ANN001 - runner.Event
        self.output.line(json.dumps(event_json(event)))
        self.output.out.flush()

    def close(self) -> None:
        pass


def event_json(event) -> dict:  # noqa: ANN001 - runner.Event
    import dataclasses
    import re

    data: dict = {"event": re.sub(r"(?<!^)(?=[A-Z])", "_", type(event).__name__).lower()}
    for f in dataclasses.fields(event):
        value = getattr(event, f.name)
        if f.name == "step":
            data.update(revision=value.revision.id, message=value.revision.message, direction=value.direction)
        elif f.name == "error":
            data.update(error=str(value), statement=value.number, outcome=value.outcome)
        else:
            data[f.name] = value
    return data


def result_json(result) -> dict:  # noqa: ANN001 - api.RunResult
    data: dict = {
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
            {"revision": p.step.revision.id, "statements": list(p.statements), "risks": list(p.risks), "problem": p.problem}
            for p in result.plan
        ]
    return data


def lint_json(result) -> dict:  # noqa: ANN001 - api.LintResult
    """``dbshift lint --json``: the revisions read and every finding."""
    return {
        "event": "lint", "dialect": result.dialect, "revisions": [r.revision.id for r in result.reports],
        "findings": [{"revision": rev.id, "code": f.code, "severity": f.severity, "op": f.op,
                      "message": f.message, "suggestion": f.suggestion, "heuristic": f.heuristic}
                     for rev, f in result.findings],
    }
