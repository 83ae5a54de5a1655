"""Exclusion constraints from their SQL: ``EXCLUDE USING gist (room WITH =, during WITH &&) WHERE (…)``.

PostgreSQL's ``pg_get_constraintdef`` and SQLAlchemy's DDL for an
``ExcludeConstraint`` are both read by :func:`parse_exclude`, so the models and
the database reach the model the same way.
"""

from __future__ import annotations

import re

from ..core import model as m
from ..core.errors import DbshiftError
from ..core.sqltext import closing_paren, split_top_level, strip_outer_parens

_HEAD = re.compile(r'^\s*(?:CONSTRAINT\s+(?:"(?:[^"]|"")+"|\S+)\s+)?EXCLUDE\s+(?:USING\s+(\w+)\s*)?', re.I)


class UnreadableExclude(DbshiftError):
    def __init__(self, definition: str) -> None:
        super().__init__(f"cannot read the exclusion constraint {definition!r}")
        self.definition = definition


def parse_exclude(definition: str, name: str | None) -> m.Exclude:
    """The constraint ``definition`` (with or without ``CONSTRAINT name``) as a model value named ``name``."""
    head = _HEAD.match(definition)
    if head is None or definition[head.end():head.end() + 1] != "(":
        raise UnreadableExclude(definition)
    end = _closing(definition, head.end())
    elements = tuple(" ".join(e.split()) for e in split_top_level(definition[head.end() + 1:end]))
    rest = definition[end + 1:].strip()
    include: tuple[str, ...] = ()
    where = None
    if rest.upper().startswith("INCLUDE"):
        start = rest.index("(")
        stop = _closing(rest, start)
        include = tuple(c.strip().strip('"') for c in split_top_level(rest[start + 1:stop]))
        rest = rest[stop + 1:].strip()
    if rest.upper().startswith("WHERE"):
        start = rest.index("(")
        stop = _closing(rest, start)
        where = strip_outer_parens(rest[start:stop + 1], every=True)
        rest = rest[stop + 1:].strip()
    words = " ".join(rest.upper().split())
    deferrable = "DEFERRABLE" in words and "NOT DEFERRABLE" not in words
    return m.Exclude(
        elements=elements,
        name=name,
        using=(head.group(1) or "btree").lower(),
        where=where,
        include=include,
        deferrable=deferrable,
        initially_deferred=deferrable and "INITIALLY DEFERRED" in words,
    )


def element_names(elements: tuple[str, ...]) -> list[str]:
    """What PostgreSQL calls each element when it names an unnamed exclusion (``<table>_<names>_excl``):
    a column by its name, a call by its function's name, any other expression ``expr``."""
    parts = []
    for element in elements:
        key = element.rsplit(" WITH ", 1)[0].strip()
        word = _WORD.match(key)
        parts.append(word.group(1) or word.group(2) if word else "expr")
    return parts


# a column (optionally quoted, then an operator class) or a function call
_WORD = re.compile(r'^(?:"((?:[^"]|"")+)"|([A-Za-z_][A-Za-z0-9_$]*))(?=\s*\(|(?:\s+[A-Za-z_][\w.]*)?$)')


def _closing(text: str, start: int) -> int:
    """The index of the ``)`` closing the ``(`` at ``start``."""
    end = closing_paren(text, start)
    if end is None:
        raise UnreadableExclude(text)
    return end
