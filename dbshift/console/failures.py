"""One error formatter: any exception that reaches a front end becomes one line and an exit code.

The line says what happened and what to do, and never shows a password.  A
condition the user can fix is never an "unexpected" error: a driver error the
API did not translate yet (:func:`dbshift.database.connect.database_error`), a
file that cannot be written (permissions, a read-only file system, a full
disk), and a dbshift error caused by such a driver error (a migration that
failed on a full disk) gets the advice for it.  Only what remains — a bug — is
"unexpected", with the way to see its traceback.
"""

from __future__ import annotations

import errno
import json
import os
import sys
from typing import TYPE_CHECKING

from ..core.errors import DbshiftError, for_program
from .output import Output

if TYPE_CHECKING:
    from ..database.problems import DatabaseProblem

EXIT_ERROR, EXIT_INTERRUPTED = 1, 130


def debugging() -> bool:
    """``DBSHIFT_DEBUG`` is set: unexpected exceptions propagate with their traceback."""
    return bool(os.environ.get("DBSHIFT_DEBUG"))


def error_line(exc: BaseException, program: str) -> tuple[str, int]:
    """The one line (never a password) and the exit code for ``exc``; hints name ``program``'s commands."""
    from ..database.problems import DatabaseProblem
    from ..database.secrets import mask_text

    exc = translated(exc)
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted", EXIT_INTERRUPTED
    if isinstance(exc, DbshiftError):
        text = _one_line(exc.line(program))
        cause = None if isinstance(exc, DatabaseProblem) else _driver_problem(exc.__cause__)
        if cause is not None:  # a migration failed on a condition the user can fix
            text = f"{text}; {for_program(cause.advice, program)}"
        return mask_text(text), exc.exit_code
    if isinstance(exc, OSError):
        return mask_text(_one_line(file_problem(exc))), EXIT_ERROR
    text = mask_text(f"unexpected {type(exc).__name__}: {exc}".strip().splitlines()[0])
    return f"{text} (set DBSHIFT_DEBUG=1 for details)", EXIT_ERROR


def translated(exc: BaseException) -> BaseException:
    """A driver error a user can act on, as the dbshift error that says so; anything else as it is."""
    return exc if isinstance(exc, DbshiftError) else _driver_problem(exc) or exc


def _driver_problem(exc: BaseException | None) -> DatabaseProblem | None:
    """``exc`` as the condition a user can act on, when it is a driver error (SQLAlchemy raises those: a
    command that never loaded it has none, and does not load it to say so)."""
    if exc is None or "sqlalchemy" not in sys.modules:
        return None
    from ..database.connect import database_error

    return database_error(exc)


def is_bug(exc: BaseException) -> bool:
    """Neither a dbshift error, an interruption nor a driver error a user can fix: worth a traceback."""
    return not isinstance(translated(exc), (DbshiftError, KeyboardInterrupt))


def file_problem(exc: OSError) -> str:
    """What went wrong with a file, and what to do about it."""
    reason = exc.strerror or str(exc)
    what = f"cannot write {exc.filename}" if exc.filename is not None else "cannot write a file"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"{what}: {reason}; free some space on the disk, then run the command again"
    if exc.errno == errno.EROFS:
        return f"{what}: {reason}; run where the files can be written (a read-write mount)"
    if exc.errno in (errno.EACCES, errno.EPERM):
        name = exc.filename if exc.filename is not None else "the file"
        return f"cannot use {name}: {reason}; give this user write access to it and to its directory"
    return f"{exc.filename}: {reason}" if exc.filename is not None else reason


def _one_line(text: str) -> str:
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    return " ".join(lines) if lines else str(text)


def report(output: Output, exc: BaseException, *, as_json: bool = False) -> int:
    """Show ``exc`` (also as a last JSON line under ``--json``); returns the exit code."""
    text, code = error_line(exc, output.program)
    if as_json:
        kind = type(translated(exc)).__name__
        output.line(json.dumps({"event": "error", "type": kind, "message": text}))
    output.error(text)
    return code
