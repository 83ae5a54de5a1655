"""The questions dbshift asks, only ever of someone at a terminal: a password, a rename, a plan to confirm."""

from __future__ import annotations

import json
import sys
from typing import Callable, TextIO

from ..core.renames import PossibleRename
from ..runner.events import StepPreview
from . import words
from .output import Output, printable


def ask_password(output: Output) -> Callable[[str], str]:
    """``ask(masked_url) -> password``: silently on the terminal, from ``output.stdin`` otherwise."""

    def ask(masked_url: str) -> str:
        prompt = f"Password for {masked_url}: "
        if output.stdin is sys.stdin:
            import getpass

            return getpass.getpass(printable(prompt))
        return _answer(output, prompt)

    return ask


def ask_rename(output: Output) -> Callable[[PossibleRename], bool]:
    """``ask(candidate) -> bool``: was this vanished object renamed to that new one?"""

    def ask(candidate: PossibleRename) -> bool:
        return _yes(_answer(output, f"{words.rename_question(candidate)} [y/N] "))

    return ask


def confirm_plan(
    output: Output, url: str, direction: str, *, as_json: bool, ask: bool, remote: bool,
) -> Callable[[tuple[StepPreview, ...]], bool]:
    """``confirm(plan) -> bool``, called with the plan before anything changes.

    A downgrade that loses data says so (with ``--json``: one ``data_loss``
    event per such migration).  When ``ask`` (someone at a terminal, no
    ``--yes``), the plan is shown and confirmed first for a database on another
    host (``remote``) or a downgrade that loses data.
    """
    from ..database.secrets import mask

    def confirm(plan: tuple[StepPreview, ...]) -> bool:
        losing = direction == "down" and any(p.risks for p in plan)
        if ask and (remote or losing):
            lines = words.confirm_lines(plan, mask(url))
            if losing:
                lines.append("This downgrade loses the data marked !! above.")
            for line in lines:
                (output.warn if as_json else output.line)(line)
            verb = "Apply" if direction == "up" else "Revert"
            shown = output.err if as_json else output.out
            return _yes(_answer(output, f"{verb} {len(plan)} migration(s) on {mask(url)}? [y/N] ", shown))
        if losing and as_json:
            for p in plan:
                if p.risks:
                    output.line(json.dumps({"event": "data_loss", "revision": p.step.revision.id,
                                            "direction": direction, "risks": list(p.risks)}))
        elif losing:
            for line in words.data_loss_lines(plan, mask(url)):
                output.warn(line)
        return True

    return confirm


def ask_yes(output: Output, question: str) -> bool:
    """Ask ``question`` ([y/N]) on the terminal; only a yes is a yes."""
    return _yes(_answer(output, f"{question} [y/N] "))


def _answer(output: Output, prompt: str, stream: TextIO | None = None) -> str:
    output.prompt(prompt, stream)
    return (output.stdin.readline() if output.stdin is not None else "").rstrip("\n")


def _yes(answer: str) -> bool:
    return answer.strip().lower() in ("y", "yes")
