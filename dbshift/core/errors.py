"""Errors a user can cause.  Each carries its inputs and builds its own one-line message.

The front ends print that line and exit non-zero; nothing here should ever
need a traceback to be understood.  A message that tells the user to run a
command names it with :func:`command`: the program is data, filled in by the
front end that shows the message (``dbshift upgrade``, ``flask db upgrade``).
"""

from __future__ import annotations

_PROGRAM = "\x1eprogram\x1e"  # where a front end's program name goes in a message
DEFAULT_PROGRAM = "dbshift"


def command(words: str) -> str:
    """A command a message asks the user to run, quoted: ``'dbshift upgrade'`` or ``'flask db upgrade'``."""
    return f"'{_PROGRAM} {words}'"


def for_program(text: str, program: str = DEFAULT_PROGRAM) -> str:
    """``text`` (built with :func:`command`) with its commands run as ``program``."""
    return text.replace(_PROGRAM, program)


class DbshiftError(Exception):
    """Base class: ``str(err)`` is the one-line message for the user, naming ``dbshift`` commands;
    ``err.line(program)`` names them as another front end runs them."""

    exit_code = 1
    program = DEFAULT_PROGRAM  # whose commands ``str()`` names; a front end that raises it through may set its own

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def line(self, program: str | None = None) -> str:
        """The one-line message, with the commands it names run as ``program`` (``flask db``)."""
        return for_program(self.message, program or self.program)

    def __str__(self) -> str:
        return self.line()


# --- revision graph -------------------------------------------------------


class UnknownRevision(DbshiftError):
    def __init__(self, ref: str, hint: str = "") -> None:
        self.ref, self.hint = ref, hint
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
    """``applied``: the heads the database at hand has applied, when known (the advice then moves another)."""

    def __init__(self, heads: list[str], applied: frozenset[str] | set[str] = frozenset()) -> None:
        self.heads, self.applied = heads, frozenset(applied)
        super().__init__(
            f"the history has {len(heads)} heads ({', '.join(heads)}); name one revision, use 'heads', "
            + join_heads_hint(heads, self.applied)
        )


def join_heads_hint(heads: list[str] | tuple[str, ...], applied: frozenset[str] | set[str] = frozenset()) -> str:
    """When to merge and when to rebase: merging is always safe; rebasing LAST onto FIRST keeps the history
    linear but edits LAST's file, so only while no database has applied it (one that has must then accept it).

    LAST is the newest head this database has not applied (``applied``: the heads it has); when it has
    applied them all, rebasing is no way out here and only merging is offered.
    """
    pending = [h for h in heads if h not in applied]
    merge = f"merge them with {command('merge')} (safe wherever either branch was applied)"
    if not pending:
        return f"{merge}; this database has applied every head, so none can be moved on top of another"
    last = pending[-1]
    first = next((h for h in heads if h in applied), None) or next(h for h in heads if h != last)
    onto = f" --onto {first}" if len(heads) > 2 else ""
    return (
        f"{merge}, or, while no database has applied {last} yet, put {last} on top of {first} with "
        f"{command(f'rebase {last}{onto}')} for a linear history (it edits {last}'s file: a database that did "
        f"apply it must then run {command(f'accept {last}')})"
    )


class NothingToRebase(DbshiftError):
    def __init__(self, heads: list[str]) -> None:
        self.heads = heads
        super().__init__(f"nothing to rebase: the history has {len(heads)} head(s); rebase moves one of two branches")


class OntoNeeded(DbshiftError):
    def __init__(self, revision: str, candidates: list[str]) -> None:
        self.revision, self.candidates = revision, candidates
        super().__init__(
            f"which head should {revision} go on top of? name one with --onto ({', '.join(candidates) or 'none'})"
        )


class RebaseCycle(DbshiftError):
    def __init__(self, revision: str, onto: str, relation: str) -> None:
        self.revision, self.onto, self.relation = revision, onto, relation
        why = "itself" if revision == onto else f"{onto}: {onto} is {relation} of {revision}"
        super().__init__(f"cannot put {revision} on top of {why}; choose the head of the other branch")


class TargetReached(DbshiftError):
    def __init__(self, target: str, detail: str) -> None:
        self.target, self.detail = target, detail
        super().__init__(f"nothing to do for target {target!r}: {detail}")


class BadTarget(DbshiftError):
    def __init__(self, target: str, detail: str) -> None:
        self.target, self.detail = target, detail
        super().__init__(f"invalid target {target!r}: {detail}")
