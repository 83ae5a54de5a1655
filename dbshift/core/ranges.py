"""Revision ranges, as in ``history -r START:END`` (the Alembic / Flask-Migrate habit).  Pure.

Either end may be left out (``START:``, ``:END``).  Each end is one of:

``base``          no lower bound as START; as END, nothing is in range;
``head``/``heads`` the heads;
``current``       the revisions the database is at (at base: as for ``base``);
``<ref>``         a revision id, unique prefix, or unique start of its random part;
``-N`` / ``+N``   N steps back (towards base) / forward (towards head) from current;
``<ref>-N``       N steps back from ``<ref>`` (also ``current-N``, ``head-N``; ``+N`` likewise).

A revision is in range when it descends from (or is) a START revision and is an
ancestor of (or is) an END revision.

The same words name one revision (:func:`one_revision`, as ``show`` takes it) and
the start of an offline script (:func:`offline_start`, ``downgrade --sql head:-1``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .errors import DbshiftError
from .graph import RevisionGraph

_RELATIVE = re.compile(r"(?P<ref>.*?)(?P<sign>[+-])(?P<n>[0-9]+)")


class BadRange(DbshiftError):
    def __init__(self, text: str, detail: str) -> None:
        self.text, self.detail = text, detail
        super().__init__(f"invalid revision range {text!r}: {detail}")


def in_range(graph: RevisionGraph, text: str, current: Iterable[str] = ()) -> tuple[str, ...]:
    """The ids in range ``text`` (``START:END``), parents first; ``current``: where the database is."""
    if text.count(":") != 1:
        raise BadRange(text, "expected START:END, START: or :END (for example -3:current or base:head)")
    start_text, _, end_text = text.partition(":")
    current = tuple(current)
    start = _point(graph, text, start_text.strip(), current)
    end = _point(graph, text, end_text.strip(), current)
    selected = set(graph.topological())
    if start:  # None (no bound) and () (at base) both mean "from the beginning"
        selected &= {d for s in start for d in graph.descendants(s)}
    if end is not None:
        selected &= {a for e in end for a in graph.ancestors(e)}
    return tuple(r for r in graph.topological() if r in selected)


def needs_database(word: str) -> bool:
    """Whether ``word`` is read from where the database is (``current``, ``-1``, ``current+2``)."""
    word = word.strip()
    if word == "current" or word.startswith("current"):
        return True
    return bool(_RELATIVE.fullmatch(word)) and not _RELATIVE.fullmatch(word)["ref"]  # type: ignore[index]


def one_revision(graph: RevisionGraph, word: str, current: Iterable[str] = ()) -> str:
    """The one revision ``word`` names (``head``, ``current``, ``-1``, ``head-2``, an id or prefix);
    :class:`BadRange` when it names none or several."""
    from .errors import MultipleHeads

    word = word.strip()
    if word in ("head", "heads") and len(graph.heads()) > 1:
        raise MultipleHeads(list(graph.heads()))
    try:
        found = _point(graph, word, word, tuple(current))
    except BadRange as exc:
        raise BadRevisionWord(word, exc.detail) from None
    if not found:
        what = "no migrations yet" if not graph.revisions else (
            "the database is at base (nothing applied)" if needs_database(word) else "base is before the first migration")
        raise BadRevisionWord(word, f"{what}; name a revision")
    if len(found) > 1:
        raise BadRevisionWord(word, f"it names {len(found)} revisions ({', '.join(found)}); name one")
    return found[0]


def offline_start(graph: RevisionGraph, word: str) -> set[str]:
    """The revisions a database is taken to have applied at the start of an offline script: ``word`` (``base``,
    ``head``, ``heads``, ``head-1``, an id or prefix) and everything it builds on.  There is no database to ask
    where it is: ``current`` and ``-N`` are refused."""
    word = word.strip()
    if needs_database(word):
        raise BadRevisionWord(word, "an offline script reads no database: start from a revision, head or base "
                                    "(for example head:-1 or REV:base)")
    try:
        found = _point(graph, word, word, ()) or ()
    except BadRange as exc:
        raise BadRevisionWord(word, exc.detail) from None
    return {a for rev in found for a in graph.ancestors(rev)}


class BadRevisionWord(DbshiftError):
    """A word that names no single revision where one is needed."""

    def __init__(self, word: str, detail: str) -> None:
        self.word, self.detail = word, detail
        super().__init__(f"{word!r} names no single revision: {detail}")


def _point(graph: RevisionGraph, text: str, word: str, current: tuple[str, ...]) -> tuple[str, ...] | None:
    """The revisions one end names; ``None`` for no bound."""
    if word in ("", "base"):
        return None if word == "" else ()
    if word in ("head", "heads"):
        return graph.heads()
    if word == "current":
        return current
    relative = None if word in graph else _RELATIVE.fullmatch(word)
    if relative is None:
        return (graph.resolve(word),)
    origin = _point(graph, text, relative["ref"] or "current", current) or ()
    return _walk(graph, text, origin, relative["sign"] == "+", int(relative["n"]))


def _walk(graph: RevisionGraph, text: str, origin: tuple[str, ...], forward: bool, n: int) -> tuple[str, ...]:
    frontier = set(origin)
    for step in range(n):
        if forward:
            frontier = {c for r in frontier for c in graph.children(r)} if frontier else set(graph.bases())
        else:
            frontier = {p for r in frontier for p in graph.get(r).parents}
        if not frontier:
            where = "after the head" if forward else "before base"
            raise BadRange(text, f"{step + 1} step(s) {'forward' if forward else 'back'} goes {where}")
    return tuple(sorted(frontier))
