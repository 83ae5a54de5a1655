"""The questions dbshift asks, only ever of someone at a terminal: a password, a rename, a plan to confirm."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Callable, TextIO

from ..core.renames import PossibleRename
from . import words
from .output import Output, printable

if TYPE_CHECKING:
    from ..runner.events import StepPreview


def ask_password(output: Output, typed: dict[str, str] | None = None) -> Callable[[str], str]:
    """``ask(masked_url) -> password``: silently on the terminal, from ``output.stdin`` otherwise.

    A login (user, host and port) is asked for once: every later connection
    through this ``ask`` to that server, for any database or bind, reuses what
    was typed.  ``typed`` (by login, ``scheme://user@host:port``) keeps those
    answers; a front end that outlives one command passes the same dict every
    time (a Flask app keeps one for the process), so nobody types a password twice.
    """
    typed = {} if typed is None else typed

    def ask(masked_url: str) -> str:
        server = masked_url.rpartition("/")[0]
        login = server if "://" in server else masked_url
        if login in typed:
            return typed[login]
        prompt = f"Password for {masked_url}: "
        if output.stdin is sys.stdin:
            import getpass

            password = getpass.getpass(printable(prompt))
        else:
            password = _answer(output, prompt)
        if password:
            typed[login] = password
        return password

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
