"""One error formatter: any exception that reaches a front end becomes one line and an exit code."""

from __future__ import annotations

import json
import os

from ..core.errors import DbshiftError
from .output import Output

EXIT_ERROR, EXIT_INTERRUPTED = 1, 130


def debugging() -> bool:
    """``DBSHIFT_DEBUG`` is set: unexpected exceptions propagate with their traceback."""
    return bool(os.environ.get("DBSHIFT_DEBUG"))


def error_line(exc: BaseException, program: str) -> tuple[str, int]:
    """The one line (never a password) and the exit code for ``exc``; hints name ``program``'s commands."""
    if isinstance(exc, DbshiftError):
        return exc.line(program), exc.exit_code
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted", EXIT_INTERRUPTED
    from ..database.connect import mask_text

    text = mask_text(f"unexpected {type(exc).__name__}: {exc}".splitlines()[0])
    return f"{text} (set DBSHIFT_DEBUG=1 for details)", EXIT_ERROR


def report(output: Output, exc: BaseException, *, as_json: bool = False) -> int:
    """Show ``exc`` (also as a last JSON line under ``--json``); returns the exit code."""
    text, code = error_line(exc, output.program)
    if as_json:
        kind = type(exc).__name__
        output.line(json.dumps({"event": "error", "type": kind, "message": text}))
    output.error(text)
    return code
