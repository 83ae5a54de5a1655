"""Errors a user can cause.  Each carries its inputs and builds its own one-line message.

The CLI prints ``str(error)`` and exits non-zero; nothing here should ever need
a traceback to be understood.
"""

from __future__ import annotations


class DbshiftError(Exception):
    """Base class: ``str(err)`` is the one-line message for the user."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


# --- revision graph -------------------------------------------------------


class UnknownRevision(DbshiftError):
    def __init__(self, ref: str, hint: str = "") -> None:
        self.ref = ref
        super().__init__(f"unknown revision {ref!r}" + (f" ({hint})" if hint else ""))


class AmbiguousRevision(DbshiftError):
    def __init__(self, ref: str, candidates: list[str]) -> None:
        self.ref, self.candidates = ref, candidates
        shown = ", ".join(candidates[:5]) + (" …" if len(candidates) > 5 else "")
        super().__init__(f"revision prefix {ref!r} is ambiguous: matches {shown}")


class DuplicateRevision(DbshiftError):
    def __init__(self, revision: str, paths: list[str]) -> None:
        self.revision, self.paths = revision, paths
        super().__init__(f"revision {revision!r} is defined more than once: {', '.join(paths)}")


class MissingParent(DbshiftError):
    def __init__(self, revision: str, parent: str) -> None:
        self.revision, self.parent = revision, parent
        super().__init__(f"revision {revision!r} names parent {parent!r}, which does not exist")


class RevisionCycle(DbshiftError):
    def __init__(self, cycle: list[str]) -> None:
        self.cycle = cycle
        super().__init__("revision history has a cycle: " + " -> ".join(cycle))


class MultipleHeads(DbshiftError):
    def __init__(self, heads: list[str]) -> None:
        self.heads = heads
        super().__init__(
            f"the history has {len(heads)} heads ({', '.join(heads)}); "
            "name one revision, use 'heads', or merge them with 'dbshift merge'"
        )


class TargetReached(DbshiftError):
    def __init__(self, target: str, detail: str) -> None:
        self.target, self.detail = target, detail
        super().__init__(f"nothing to do for target {target!r}: {detail}")


class BadTarget(DbshiftError):
    def __init__(self, target: str, detail: str) -> None:
        self.target, self.detail = target, detail
        super().__init__(f"invalid target {target!r}: {detail}")
