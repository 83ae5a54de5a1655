"""The revision graph: which migrations exist, what each builds on, and what to run.

A pure structure (no I/O).  A database's state is the *set* of applied revision
ids, so branches and merges need no special casing: a plan is a set of revisions
put in dependency order.  Revision ids sort in creation order, so ``sorted`` by
id breaks every tie and all results are deterministic.

Targets understood by :meth:`RevisionGraph.upgrade_plan`:

``head``      everything, when there is one head (``MultipleHeads`` otherwise);
``heads``     everything, whatever the number of heads;
``<ref>``     that revision (full id or unique prefix) and its ancestors;
``+N``        the next N pending revisions in topological order (single head only);
``<ref>+N``   ``<ref>`` plus the first N pending descendants of ``<ref>`` in
              topological order, together with any pending ancestors they need.

Targets understood by :meth:`RevisionGraph.downgrade_plan`:

``base``      un-apply everything;
``-N``        un-apply the N applied revisions latest in topological order (each
              is, in turn, the most recent current head of the applied set);
``<ref>``     un-apply every applied revision that is not an ancestor of ``<ref>``;
``<ref>-N``   as ``<ref>``, then N more steps back (``<ref>`` itself first).

Special words win over revision prefixes, and an exact revision id wins over
the ``+N``/``-N`` forms (so an id such as ``"add-1"`` still means itself).  A
``-`` followed by something that is not a number is read as part of a revision
reference.
"""

from __future__ import annotations

import heapq
import re
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import field, replace
from types import MappingProxyType

from .errors import (
    AmbiguousRevision,
    BadTarget,
    DuplicateRevision,
    MissingParent,
    MultipleHeads,
    NothingToRebase,
    OntoNeeded,
    RebaseCycle,
    RevisionCycle,
    TargetReached,
    UnknownRevision,
)
from .values import frozen

UNKNOWN_APPLIED_HINT = "the database is at a revision the migrations directory does not know"

_NUMBER = re.compile(r"[0-9]+")


@frozen
class Revision:
    """One migration: its id, the ids it builds on (2+ for a merge), its message and file."""

    id: str
    parents: tuple[str, ...] = ()
    message: str = ""
    path: str | None = None  # file it came from, for messages
    checksum: str | None = field(default=None, compare=False)
    """The checksum of the file's text when it was scanned (:func:`dbshift.project.files.checksum`); None when
    the scan did not compute it."""

    def __post_init__(self) -> None:
        if not isinstance(self.parents, tuple):  # a list, or a lone id given by mistake
            parents = (self.parents,) if isinstance(self.parents, str) else tuple(self.parents)
            object.__setattr__(self, "parents", parents)


class RevisionGraph:
    """An immutable, validated DAG of revisions.  Create it with :meth:`build`."""

    __slots__ = ("_revs", "_view", "_parents", "_children", "_order", "_pos", "_ids", "_heads", "_bases")

    def __init__(
        self,
        revs: Mapping[str, Revision],
        parents: Mapping[str, tuple[str, ...]],
        children: Mapping[str, tuple[str, ...]],
        order: tuple[str, ...],
    ) -> None:
        """Internal: the inputs must already be validated; use :meth:`build`."""
        self._revs = {rid: revs[rid] for rid in order}
        self._view: Mapping[str, Revision] = MappingProxyType(self._revs)
        self._parents = dict(parents)
        self._children = dict(children)
        self._order = order
        self._pos = {rid: i for i, rid in enumerate(order)}
        self._ids = sorted(order)
        self._heads = tuple(rid for rid in self._ids if not children[rid])
        self._bases = tuple(rid for rid in self._ids if not parents[rid])

    # --- construction -----------------------------------------------------

    @classmethod
    def build(cls, revisions: Iterable[Revision]) -> RevisionGraph:
        """Validate and index ``revisions``.

        Raises ``DuplicateRevision`` (with every path defining the id),
        ``MissingParent``, or ``RevisionCycle`` (with the cycle, parent to child).
        """
        revs = _unique(revisions)
        parents = {rid: tuple(dict.fromkeys(rev.parents)) for rid, rev in revs.items()}
        _check_parents(parents)
        children = _children_of(parents)
        return cls(revs, parents, children, _topological(parents, children))

    # --- lookup -----------------------------------------------------------

    @property
    def revisions(self) -> Mapping[str, Revision]:
        """Every revision by id, in topological order (read-only)."""
        return self._view

    def __contains__(self, rev_id: object) -> bool:
        return rev_id in self._revs

    def __len__(self) -> int:
        return len(self._revs)

    def __repr__(self) -> str:
        return f"<RevisionGraph {len(self)} revisions, heads={list(self._heads)}>"

    def get(self, rev_id: str) -> Revision:
        """The revision with this exact id; ``UnknownRevision`` otherwise."""
        self._require(rev_id)
        return self._revs[rev_id]

    def resolve(self, ref: str) -> str:
        """The id ``ref`` names: an exact id first, else the one id it is a prefix of,
        else the one id whose random part (after the last ``_``) starts with it.

        Raises ``UnknownRevision`` (no match, or empty ``ref``) or ``AmbiguousRevision``.
        """
        if ref in self._revs:
            return ref
        matches = self._with_prefix(ref) if ref else []
        if not matches and ref and "_" not in ref:
            matches = [i for i in self._ids if i.rpartition("_")[2].startswith(ref)]
        if not matches:
            raise UnknownRevision(ref)
        if len(matches) > 1:
            raise AmbiguousRevision(ref, matches)
        return matches[0]

    # --- shape ------------------------------------------------------------

    def heads(self) -> tuple[str, ...]:
        """Revisions with no children, sorted by id."""
        return self._heads

    def bases(self) -> tuple[str, ...]:
        """Revisions with no parents, sorted by id."""
        return self._bases

    def children(self, rev_id: str) -> tuple[str, ...]:
        """The revisions naming ``rev_id`` as a parent, sorted by id."""
        self._require(rev_id)
        return self._children[rev_id]

    def ancestors(self, rev_id: str) -> frozenset[str]:
        """``rev_id`` and every revision it builds on, transitively."""
        self._require(rev_id)
        return frozenset(_closure([rev_id], self._parents))

    def descendants(self, rev_id: str) -> frozenset[str]:
        """``rev_id`` and every revision building on it, transitively."""
        self._require(rev_id)
        return frozenset(_closure([rev_id], self._children))

    def topological(self) -> tuple[str, ...]:
        """Every id, parents before children; among ready revisions the smallest id first."""
        return self._order

    # --- database state ---------------------------------------------------

    def current(self, applied: Iterable[str]) -> tuple[str, ...]:
        """The applied revisions with no applied child ("where the database is"), sorted.

        Raises ``UnknownRevision`` for an applied id the graph does not know.
        """
        done = self._known(applied)
        return tuple(sorted(r for r in done if not any(c in done for c in self._children[r])))

    def upgrade_plan(self, applied: Iterable[str], target: str) -> tuple[str, ...]:
        """The revisions to apply to reach ``target``, parents first (see module doc).

        ``head``/``heads`` with nothing pending give ``()``; an explicit revision
        already applied raises ``TargetReached``; malformed targets ``BadTarget``.
        """
        done = self._known(applied)
        if target in ("head", "heads"):
            return self._pending(done, self._tips(target, done))
        if not target:
            raise BadTarget(target, "no target given; use 'head', a revision or '+N'")
        if target == "base" or target.startswith("-"):
            raise BadTarget(target, "upgrade only goes forward; use 'downgrade' to go back")
        if "+" in target and target not in self._revs:
            ref, _, steps = target.rpartition("+")
            return self._upgrade_steps(done, target, ref, _count(target, steps))
        rev_id = self.resolve(target)
        if rev_id in done:
            raise TargetReached(target, f"{rev_id} is already applied; use downgrade to go back")
        return self._pending(done, [rev_id])

    def downgrade_plan(self, applied: Iterable[str], target: str) -> tuple[str, ...]:
        """The revisions to un-apply to reach ``target``, children first (see module doc).

        ``TargetReached`` when there is nothing to un-apply for ``base`` or a
        revision, or the revision is not applied; ``BadTarget`` for malformed
        targets and for ``-N`` with fewer than N revisions applied.
        """
        done = self._known(applied)
        if target == "base":
            if not done:
                raise TargetReached(target, "nothing is applied")
            return self._undo(done)
        if not target:
            raise BadTarget(target, "no target given; use 'base', a revision or '-N'")
        if target in ("head", "heads") or target.startswith("+"):
            raise BadTarget(target, "downgrade only goes back; use 'upgrade' to go forward")
        relative = self._relative_down(target)
        if relative is not None:
            return self._downgrade_steps(done, target, *relative)
        rev_id = self.resolve(target)
        if rev_id not in done:
            raise TargetReached(target, f"{rev_id} is not applied; use upgrade to go forward")
        undo = done - self.ancestors(rev_id)
        if not undo:
            raise TargetReached(target, f"the database is already at {rev_id}")
        return self._undo(undo)

    # --- helpers ----------------------------------------------------------

    def _require(self, rev_id: str) -> None:
        if rev_id not in self._revs:
            raise UnknownRevision(rev_id)

    def _known(self, applied: Iterable[str]) -> frozenset[str]:
        done = frozenset(applied)
        unknown = sorted(done - self._revs.keys())
        if unknown:
            raise UnknownRevision(unknown[0], UNKNOWN_APPLIED_HINT)
        return done

    def _with_prefix(self, prefix: str) -> list[str]:
        ids, i, found = self._ids, bisect_left(self._ids, prefix), []
        while i < len(ids) and ids[i].startswith(prefix):
            found.append(ids[i])
            i += 1
        return found

    def _in_order(self, ids: Iterable[str]) -> tuple[str, ...]:
        return tuple(sorted(ids, key=self._pos.__getitem__))

    def _undo(self, ids: Iterable[str]) -> tuple[str, ...]:
        return self._in_order(ids)[::-1]

    def _tips(self, word: str, done: frozenset[str] = frozenset()) -> tuple[str, ...]:
        """All heads for ``heads``; the single head for ``head`` (``MultipleHeads`` if several; its advice
        knows which heads ``done``, the applied set, holds)."""
        if word == "head" and len(self._heads) > 1:
            raise MultipleHeads(list(self._heads), done & set(self._heads))
        return self._heads

    def _pending(self, done: frozenset[str], tips: Iterable[str]) -> tuple[str, ...]:
        """The unapplied revisions among ``tips`` and their ancestors, parents first."""
        return self._in_order(_closure(tips, self._parents) - done)

    def _upgrade_steps(self, done: frozenset[str], target: str, ref: str, n: int) -> tuple[str, ...]:
        """``+N`` (from the database's state) or ``<ref>+N`` (from ``ref``)."""
        if ref:
            rev_id = self.resolve(ref)
            ahead = self._in_order(self.descendants(rev_id) - done - {rev_id})
            where, tips = f" after {rev_id}", [rev_id, *ahead[:n]]
        else:
            ahead = self._pending(done, self._tips("head", done))
            where, tips = "", list(ahead[:n])
        if len(ahead) < n:
            raise BadTarget(target, f"only {_plural(len(ahead), 'revision')} pending{where}")
        return self._pending(done, tips)

    def _relative_down(self, target: str) -> tuple[str, int] | None:
        """``(ref, N)`` for ``-N``/``<ref>-N``; ``None`` when ``target`` is a plain reference."""
        if target in self._revs:
            return None
        ref, dash, steps = target.rpartition("-")
        if target.startswith("-") and (ref or not _NUMBER.fullmatch(steps)):
            raise BadTarget(target, "expected '-N' with N a whole number of steps")
        if not dash or not _NUMBER.fullmatch(steps):
            return None
        return ref, _count(target, steps)

    def _downgrade_steps(self, done: frozenset[str], target: str, ref: str, n: int) -> tuple[str, ...]:
        """``-N`` (the N latest applied) or ``<ref>-N`` (down to ``ref``, then N more)."""
        rev_id = self.resolve(ref) if ref else None
        keep = done & self.ancestors(rev_id) if rev_id else done
        chain = self._in_order(keep)
        if len(chain) < n:
            if not chain and not rev_id:
                raise BadTarget(target, "nothing is applied")
            where = f" up to {rev_id}" if rev_id else ""
            raise BadTarget(target, f"only {_plural(len(chain), 'revision')} applied{where}")
        return self._undo((done - keep) | set(chain[len(chain) - n :]))


# --- re-parenting ------------------------------------------------------------


@frozen
class Rebase:
    """Putting ``revision``'s branch on top of ``onto`` so the history stays linear.

    The branch is every ancestor of ``revision`` that is not an ancestor of
    ``onto``.  Only its first revisions (``starts``: those with no parent in the
    branch) change: their parents become ``(onto,)``.  Every old parent was an
    ancestor of ``onto`` already, so nothing the branch built on is lost.
    ``moved`` is every revision whose ancestry changes (the starts and all their
    descendants), in the new topological order; ``graph`` is the history after.
    """

    revision: str
    onto: str
    starts: tuple[str, ...]
    moved: tuple[str, ...]
    graph: RevisionGraph


def plan_rebase(graph: RevisionGraph, ref: str, onto: str | None = None) -> Rebase:
    """Where ``ref``'s branch goes when put on top of ``onto`` (default: the one other head).

    Raises ``NothingToRebase`` with fewer than two heads, ``OntoNeeded`` when the
    other head is not obvious, ``RebaseCycle`` when ``onto`` is related to the branch.
    """
    heads = graph.heads()
    if len(heads) < 2:
        raise NothingToRebase(list(heads))
    rev_id = graph.resolve(ref)
    if onto is None:
        others = [h for h in heads if h not in graph.descendants(rev_id)]
        if len(others) != 1 or len(heads) != 2:
            raise OntoNeeded(rev_id, others)
        target = others[0]
    else:
        target = graph.resolve(onto)
    if target in graph.ancestors(rev_id):
        raise RebaseCycle(rev_id, target, "an ancestor")
    if target in graph.descendants(rev_id):
        raise RebaseCycle(rev_id, target, "a descendant")
    branch = graph.ancestors(rev_id) - graph.ancestors(target)  # not empty: the two are unrelated
    starts = tuple(r for r in graph.topological() if r in branch and not set(graph.get(r).parents) & branch)
    moving = frozenset().union(*(graph.descendants(r) for r in starts))  # none leads to target: no cycle
    after = RevisionGraph.build(
        replace(r, parents=(target,)) if r.id in starts else r for r in graph.revisions.values()
    )
    return Rebase(rev_id, target, starts, tuple(r for r in after.topological() if r in moving), after)


# --- building blocks (module-private) --------------------------------------


def _unique(revisions: Iterable[Revision]) -> dict[str, Revision]:
    """Revisions by id; ``DuplicateRevision`` naming every file of the first repeated id."""
    found: dict[str, list[Revision]] = {}
    for rev in revisions:
        found.setdefault(rev.id, []).append(rev)
    for rev_id, same in found.items():
        if len(same) > 1:
            raise DuplicateRevision(rev_id, [r.path or "<in memory>" for r in same])
    return {rev_id: same[0] for rev_id, same in found.items()}


def _check_parents(parents: Mapping[str, Sequence[str]]) -> None:
    """``MissingParent`` for the first (by id) revision naming an unknown parent."""
    for rev_id in sorted(parents):
        for parent in parents[rev_id]:
            if parent not in parents:
                raise MissingParent(rev_id, parent)


def _children_of(parents: Mapping[str, Sequence[str]]) -> dict[str, tuple[str, ...]]:
    """The inverse edges, each tuple sorted by id."""
    children: dict[str, list[str]] = {rev_id: [] for rev_id in parents}
    for rev_id in sorted(parents):
        for parent in parents[rev_id]:
            children[parent].append(rev_id)
    return {rev_id: tuple(kids) for rev_id, kids in children.items()}


def _topological(parents: Mapping[str, Sequence[str]], children: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
    """Kahn's algorithm with a min-heap (smallest ready id first); ``RevisionCycle`` if stuck."""
    waiting = {rev_id: len(ps) for rev_id, ps in parents.items()}
    ready = [rev_id for rev_id, n in waiting.items() if n == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        rev_id = heapq.heappop(ready)
        order.append(rev_id)
        for child in children[rev_id]:
            waiting[child] -= 1
            if not waiting[child]:
                heapq.heappush(ready, child)
    if len(order) < len(parents):
        raise RevisionCycle(_find_cycle(parents, set(parents).difference(order)))
    return tuple(order)


def _find_cycle(parents: Mapping[str, Sequence[str]], stuck: set[str]) -> list[str]:
    """One cycle among ``stuck`` (each has a stuck parent), parent to child, closed, smallest id first.

    Iterative: follow the smallest stuck parent until a revision repeats.
    """
    seen: dict[str, int] = {}
    path: list[str] = []
    rev_id = min(stuck)
    while rev_id not in seen:
        seen[rev_id] = len(path)
        path.append(rev_id)
        rev_id = min(p for p in parents[rev_id] if p in stuck)
    loop = path[seen[rev_id] :][::-1]  # walked child -> parent; report parent -> child
    start = loop.index(min(loop))
    loop = loop[start:] + loop[:start]
    return loop + [loop[0]]


def _closure(start: Iterable[str], edges: Mapping[str, Sequence[str]]) -> set[str]:
    """``start`` and everything reachable from it along ``edges`` (iterative)."""
    seen = set(start)
    stack = list(seen)
    while stack:
        for nxt in edges[stack.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def _count(target: str, text: str) -> int:
    """The N of ``+N``/``-N``: a whole number of at least 1, else ``BadTarget``."""
    if not _NUMBER.fullmatch(text):
        raise BadTarget(target, f"expected a whole number of steps after the sign, got {text!r}")
    n = int(text)
    if n < 1:
        raise BadTarget(target, "the number of steps must be at least 1")
    return n


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
