"""The options of ``upgrade`` and ``downgrade``, declared once for both command lines.

Each front end turns :data:`RUN_FLAGS` into its own parser's options (argparse,
Click) and hands the values back to :func:`split`, which parses them once into a
:class:`~dbshift.api.RunOptions` and the two presentation choices.
"""

from __future__ import annotations

from typing import Any, Literal, Mapping

from ..api.options import RunOptions
from ..core.values import frozen


@frozen
class RunFlag:
    """One option: ``name`` is its RunOptions field (or ``yes``/``as_json``), ``kind`` how it is given."""

    name: str
    flags: tuple[str, ...]
    help: str
    kind: Literal["flag", "value", "repeated"] = "flag"
    metavar: str | None = None


RUN_FLAGS: tuple[RunFlag, ...] = (
    RunFlag("dry_run", ("--dry-run",), "connect, plan and show the statements each migration would run; change nothing"),
    RunFlag("yes", ("-y", "--yes"),
            "do not ask for confirmation (in a terminal: a database on another host, a downgrade that loses data)"),
    RunFlag("as_json", ("--json",), "print one JSON object per event, one per line"),
    RunFlag("resume", ("--resume",),
            "continue a migration that failed or was interrupted part-way, after its last committed statement"),
    RunFlag("single_transaction", ("--single-transaction",), "run the whole plan in one transaction (PostgreSQL, SQLite)"),
    RunFlag("accept_checksums", ("--accept-checksum",),
            "accept the edited file of an applied migration as it is now (repeatable)", "repeated", "REV"),
    RunFlag("lock_wait", ("--lock-wait",), "how long to wait for another run's lock (default 60s)", "value", "DURATION"),
    RunFlag("lock_timeout", ("--lock-timeout",),
            "the session's lock timeout: a statement waiting longer for a table lock fails", "value", "DURATION"),
    RunFlag("statement_timeout", ("--statement-timeout",), "the session's statement timeout (PostgreSQL, MariaDB)",
            "value", "DURATION"),
)

LOCK_WAIT = next(f for f in RUN_FLAGS if f.name == "lock_wait")  # also offered by stamp, resolve and accept


@frozen
class RunChoices:
    """What the user asked of a run: the options the API takes, and how the front end shows it."""

    options: RunOptions
    yes: bool = False
    as_json: bool = False

    @property
    def given(self) -> bool:
        """Any run option differs from the default (``--sql`` takes none)."""
        return self.options != RunOptions() or self.yes or self.as_json


def split(values: Mapping[str, Any]) -> RunChoices:
    """Parse the values of :data:`RUN_FLAGS` (``None``, ``False`` or empty: not given) once."""
    given = {f.name: values.get(f.name) or None for f in RUN_FLAGS}
    yes, as_json = bool(given.pop("yes")), bool(given.pop("as_json"))
    return RunChoices(RunOptions.parse(**given), yes, as_json)
