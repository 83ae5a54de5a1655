"""The questions dbshift asks, only ever of someone at a terminal: a password, a rename, a plan to confirm."""

from __future__ import annotations

import sys
from typing import Callable, TextIO

from ..core.renames import PossibleRename
from ..runner.events import StepPreview
from . import words
from .output import Output


def ask_password(output: Output) -> Callable[[str], str]:
    """``ask(masked_url) -> password``: silently on the terminal, from ``output.stdin`` otherwise."""

    def ask(masked_url: str) -> str:
        prompt = f"Password for {masked_url}: "
        if output.stdin is sys.stdin:
            import getpass

            return getpass.getpass(prompt)
        return _answer(output, prompt)

    return ask


def ask_rename(output: Output) -> Callable[[PossibleRename], bool]:
    """``ask(candidate) -> bool``: was this vanished object renamed to that new one?"""

    def ask(candidate: PossibleRename) -> bool:
        return _yes(_answer(output, f"{words.rename_question(candidate)} [y/N] "))

    return ask


def confirm_plan(output: Output, url: str, direction: str, *, as_json: bool) -> Callable[[tuple[StepPreview, ...]], bool]:
    """``confirm(plan) -> bool``: show the plan for a database on another host and ask before changing it."""
    from ..database.connect import mask

    def confirm(plan: tuple[StepPreview, ...]) -> bool:
        shown = output.err if as_json else output.out
        for line in words.confirm_lines(plan, mask(url)):
            print(line, file=shown)
        verb = "Apply" if direction == "up" else "Revert"
        return _yes(_answer(output, f"{verb} {len(plan)} migration(s) on {mask(url)}? [y/N] ", shown))

    return confirm


def _answer(output: Output, prompt: str, stream: TextIO | None = None) -> str:
    target = stream or output.err
    target.write(prompt)
    target.flush()
    return (output.stdin.readline() if output.stdin is not None else "").rstrip("\n")


def _yes(answer: str) -> bool:
    return answer.strip().lower() in ("y", "yes")
