"""A run as it goes: progress lines (with a ticking clock on a terminal) or one JSON object per event."""

from __future__ import annotations

import json
import threading
import time
from typing import TYPE_CHECKING, Callable, Protocol

from . import words
from .output import Output, isatty
from .shapes import event_json

if TYPE_CHECKING:  # (the events are loaded by the runner that sends them: a command that runs nothing never loads them)
    from ..runner.events import Event


class Progress(Protocol):
    def __call__(self, event: Event) -> None: ...
    def close(self) -> None: ...


def progress_for(output: Output, as_json: bool) -> Progress:
    return JsonEvents(output) if as_json else TextProgress(output)


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

    def __call__(self, event: Event) -> None:
        from ..runner.events import StepFailed, StepFinished, StepStarted

        text = words.event_line(event)
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
            self.output.write("\r\033[K")
            self.ticking = False

    def _tick(self) -> None:
        while not self.stop.wait(1.0):
            with self.lock:
                if self.step_started is None or time.monotonic() - self.step_started < 2:
                    continue
                running = time.monotonic() - self.step_started
                total = time.monotonic() - self.started
                self.output.write(f"\r      {self.label} running for {running:.0f} s (elapsed {total:.0f} s)")
                self.output.flush(self.output.out)
                self.ticking = True

    def close(self) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join()
        with self.lock:
            self._clear()


class JsonEvents:
    """One JSON object per event, one per line."""

    def __init__(self, output: Output) -> None:
        self.output = output

    def __call__(self, event: Event) -> None:
        self.output.line(json.dumps(event_json(event)))
        self.output.flush(self.output.out)

    def close(self) -> None:
        pass


def lock_notes(output: Output) -> Callable[[Event], None]:
    """For commands that only wait for the lock (stamp, resolve, accept): its lines, nothing else."""

    def show(event: Event) -> None:
        text = words.event_line(event)
        if text is not None:
            output.line(text)

    return show
