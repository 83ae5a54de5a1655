"""Questions lint asks the database about the rows a migration will change, and the answers.  Pure.

Lint reads a migration's operations; with :class:`Facts` it also knows what
the target database holds: how large each table is and which rows break a
rule the migration is about to impose.  A :class:`Probe` names one question
(rows holding NULL in a column about to become NOT NULL, duplicates under a
new unique key…); the API layer runs it (:mod:`dbshift.api.probing`) and
answers with an :class:`Answer`.  Rules ask through :meth:`Facts.ask`, so a
first pass with no answers both yields the statement-only findings and
records every question (:attr:`Facts.asked`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from .model import qualified
from .narrowing import Loss
from .values import frozen

DEFAULT_LARGE_ROWS = 100_000
"""Rows from which a table is large enough for a lock or a rewrite to matter (``large_table_rows``)."""


@frozen
class Probe:
    """A question about the rows of one table (``schema.table``)."""

    table: str
    schema: str | None

    @property
    def key(self) -> str:
        return qualified(self.table, self.schema)


@frozen
class Size(Probe):
    """How many rows the table holds, and its size on disk."""


@frozen
class NullRows(Probe):
    """Rows whose ``column`` is NULL."""

    column: str


@frozen
class FilledRows(Probe):
    """Rows whose ``column`` holds a value (what dropping it loses)."""

    column: str


@frozen
class DuplicateRows(Probe):
    """Rows sharing their values of ``expressions`` (column names or SQL) with another row; ``where`` limits
    the rows to those a partial index covers.  Rows with a NULL among the values never clash."""

    expressions: tuple[str, ...]
    where: str | None = None


@frozen
class OrphanRows(Probe):
    """Rows whose ``columns`` (none NULL) match no row of the referenced table's ``ref_columns``."""

    columns: tuple[str, ...]
    ref_table: str
    ref_schema: str | None
    ref_columns: tuple[str, ...]


@frozen
class FailingCheck(Probe):
    """Rows for which the CHECK ``expression`` is false."""

    expression: str


@frozen
class LosingRows(Probe):
    """Rows whose ``column`` holds a value the ``new_type`` cannot hold as it is (``loss`` says the rule)."""

    column: str
    new_type: str
    loss: Loss


@frozen
class EnumRows(Probe):
    """Rows holding one of ``values`` in the columns of enum type ``schema.table`` (the type's name)."""

    values: tuple[str, ...]
    columns: tuple[tuple[str, str], ...] | None = None  # (table key, column), when the operation names them


@frozen
class Answer:
    """``count`` rows answer the question; ``samples``: a few of them, as ``key=value`` text.

    For :class:`Size`: the rows the table holds, ``exact`` when all were
    counted, else the catalog's estimate, or (``at_least``) the rows counted
    before the count stopped; ``bytes`` on disk when the database says.
    """

    count: int
    samples: tuple[str, ...] = ()
    exact: bool = True
    bytes: int | None = None
    at_least: bool = False


@dataclass
class Facts:
    """The answers known about the target database, and every question asked of it.

    ``large_rows``: from how many rows a lock or a rewrite is worth a warning.
    """

    answers: Mapping[Probe, Answer] = field(default_factory=dict)
    large_rows: int = DEFAULT_LARGE_ROWS
    asked: set[Probe] = field(default_factory=set)

    def ask(self, probe: Probe) -> Answer | None:
        """The answer to ``probe``, or None when it is not known (the rule then reads the statement alone)."""
        self.asked.add(probe)
        return self.answers.get(probe)

    def size(self, table: str, schema: str | None) -> Answer | None:
        return self.ask(Size(table, schema))

    def is_large(self, size: Answer) -> bool:
        return size.count >= self.large_rows


def rows_text(size: Answer) -> str:
    """``"120,000 rows, 14 MB"``: a table's size as a warning says it (``"about"``/``"at least"`` when not all
    were counted)."""
    if size.exact:
        rows = f"{size.count:,} row" + ("" if size.count == 1 else "s")
    else:
        rows = f"{'at least' if size.at_least else 'about'} {size.count:,} rows"
    return rows + (f", {_bytes(size.bytes)}" if size.bytes else "")


def sample_text(answer: Answer) -> str:
    """``"; e.g. id=3, id=7"``: the rows an error shows, or nothing."""
    return f"; e.g. {', '.join(answer.samples)}" if answer.samples else ""


def _bytes(n: int) -> str:
    size = float(n)
    for unit in ("bytes", "kB", "MB", "GB"):
        if size < 1024:
            return f"{n:,} bytes" if unit == "bytes" else f"{size:,.0f} {unit}"
        size /= 1024
    return f"{size:,.1f} TB"
