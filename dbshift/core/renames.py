"""Deciding renames: hints, questions, and reporting what might have been a rename.

The differ asks a :class:`RenamePolicy` whether a vanished table or column and
a new one are the same object renamed.  The policy answers from hints
(``--rename author.name:full_name``, or ``info={"renamed_from": "name"}`` next
to the model), from an ``ask`` callable (interactive use), and otherwise says
no — while remembering the compatible pair, so it can be reported instead of
silently becoming a drop and an add.
"""

from __future__ import annotations

from dataclasses import field
from typing import TYPE_CHECKING, Callable, Iterable

from .errors import DbshiftError
from .values import frozen

if TYPE_CHECKING:
    from .model import Column, Table


class BadRenameHint(DbshiftError):
    def __init__(self, hint: str) -> None:
        self.hint = hint
        super().__init__(f"invalid rename hint {hint!r}: expected OLD_TABLE:NEW_TABLE or TABLE.OLD_COLUMN:NEW_COLUMN")


@frozen
class PossibleRename:
    """A vanished object and a new, compatible one: maybe a rename."""

    kind: str  # "table", "column" or "enum value"
    old: str  # "author" or "author.name"
    new: str  # "writer" or "author.full_name"

    @property
    def hint(self) -> str:
        return f"{self.old}:{self.new.rsplit('.', 1)[-1]}"

    def describe(self) -> str:
        return f"{self.kind} {self.old} disappeared and {self.new} appeared"


@frozen
class RenameHints:
    """Declared renames: ``tables`` maps old table key → new name; ``columns`` maps "table.old" → new name.

    Enum values use the column form: ``"mood.happy"`` → ``"glad"`` renames a value of enum type ``mood``.
    """

    tables: dict[str, str] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, hints: Iterable[str]) -> "RenameHints":
        """Command-line hints: ``old_table:new_table`` and ``table.old_column:new_column``."""
        tables: dict[str, str] = {}
        columns: dict[str, str] = {}
        for hint in hints:
            old, sep, new = hint.partition(":")
            if not sep or not old or not new or "." in new:
                raise BadRenameHint(hint)
            (columns if "." in old else tables)[old] = new
        return cls(tables, columns)

    def merged(self, other: "RenameHints") -> "RenameHints":
        return RenameHints({**self.tables, **other.tables}, {**self.columns, **other.columns})


Ask = Callable[[PossibleRename], bool]


class RenamePolicy:
    """Answers the differ's rename questions; see the module docstring."""

    def __init__(
        self,
        hints: RenameHints = RenameHints(),
        ask: Ask | None = None,
        same_type: Callable[[str, str], bool] = lambda a, b: a == b,
    ) -> None:
        self.hints = hints
        self.ask = ask
        self.same_type = same_type
        self.possible: list[PossibleRename] = []
        self.confirmed: list[PossibleRename] = []

    def table(self, old: Table, new: Table) -> bool:
        if self.hints.tables.get(old.key) == new.name or self.hints.tables.get(old.name) == new.name:
            return True
        if not self._tables_compatible(old, new):
            return False
        return self._decide(PossibleRename("table", old.key, new.key))

    def column(self, table: str, old: Column, new: Column) -> bool:
        if self.hints.columns.get(f"{table}.{old.name}") == new.name:
            return True
        if not self.same_type(old.type, new.type):
            return False
        return self._decide(PossibleRename("column", f"{table}.{old.name}", f"{table}.{new.name}"))

    def enum_value(self, enum: str, old: str, new: str) -> bool:
        if self.hints.columns.get(f"{enum}.{old}") == new:
            return True
        return self._decide(PossibleRename("enum value", f"{enum}.{old}", f"{enum}.{new}"))

    def _decide(self, candidate: PossibleRename) -> bool:
        if self.ask is not None and self.ask(candidate):
            self.confirmed.append(candidate)
            return True
        self.possible.append(candidate)
        return False

    def _tables_compatible(self, old: Table, new: Table) -> bool:
        """At least half of the columns carry over by name and type."""
        new_types = {c.name: c.type for c in new.columns}
        shared = sum(1 for c in old.columns if c.name in new_types and self.same_type(c.type, new_types[c.name]))
        return shared * 2 >= max(len(old.columns), len(new.columns))

    @property
    def unresolved(self) -> list[PossibleRename]:
        """Possible renames that were not confirmed and not already answered by a confirmed rename."""
        taken = {c.old for c in self.confirmed} | {c.new for c in self.confirmed}
        return [p for p in self.possible if p.old not in taken and p.new not in taken]
