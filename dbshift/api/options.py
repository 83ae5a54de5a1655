"""How a run goes: one :class:`RunOptions` value, parsed once, shared by the API, ``dbshift`` and ``flask db``."""

from __future__ import annotations

import dataclasses
from typing import Any

from ..core.durations import seconds
from ..core.values import frozen

DEFAULT_WAIT_S = 60.0  # how long a run waits for another run's lock, unless told


@frozen
class RunOptions:
    """The options of an upgrade or downgrade against a database.

    ``dry_run``: plan and render, change nothing.  ``resume``: continue a
    migration whose earlier run failed or was interrupted part-way, at the
    statement after the last one it committed.  ``single_transaction``: the
    whole run in one transaction (PostgreSQL, SQLite).  ``accept_checksums``:
    applied revisions whose edited files are accepted as they are now.
    ``lock_wait``: seconds to wait for another runner's lock.
    ``lock_timeout``/``statement_timeout``: the session's timeouts, in seconds.
    """

    dry_run: bool = False
    resume: bool = False
    single_transaction: bool = False
    accept_checksums: tuple[str, ...] = ()
    lock_wait: float = DEFAULT_WAIT_S
    lock_timeout: float | None = None
    statement_timeout: float | None = None

    @classmethod
    def parse(cls, **values: Any) -> RunOptions:
        """From what a person or a program gives: durations as ``"2min"`` or seconds, any iterable of
        revisions, ``None`` for "not given".  An unknown name is a ``TypeError``."""
        given = {k: v for k, v in values.items() if v is not None}
        unknown = set(given) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise TypeError(f"unknown run option(s): {', '.join(sorted(unknown))}")
        for name in ("lock_wait", "lock_timeout", "statement_timeout"):
            if name in given:
                given[name] = seconds(given[name])
        if "accept_checksums" in given:
            given["accept_checksums"] = tuple(given["accept_checksums"])
        return cls(**given)

    def merged(self, **values: Any) -> RunOptions:
        """A copy with the given ``values`` (parsed as :meth:`parse` does) in place of its own."""
        parsed = RunOptions.parse(**values)
        return dataclasses.replace(self, **{k: getattr(parsed, k) for k, v in values.items() if v is not None})
