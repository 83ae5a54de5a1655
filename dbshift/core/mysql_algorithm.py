"""How MariaDB and MySQL (InnoDB) carry out an operation's ALTER TABLE: INSTANT, INPLACE or COPY.

``INSTANT`` changes only the table's metadata; ``INPLACE`` works inside InnoDB
without copying rows one by one (it may build an index or rebuild the table),
and other sessions can usually go on writing (``LOCK=NONE``); ``COPY`` copies
every row into a new table while writes wait.  :func:`online_ddl` says which
one the server uses for an operation, given the schema before it and the
server (``("mariadb", (10, 11, 6))``), and whether writes go on meanwhile;
the renderer states it (``ALGORITHM=INSTANT``) so that a change never becomes a
table copy silently, and lint warns with :func:`why_copy` when it does.

The rules are MariaDB 10.3.7+'s (when ``ALGORITHM=INSTANT`` appeared) and a
conservative part of MySQL 8.0's, for the default row formats (DYNAMIC and
COMPACT; ROW_FORMAT=REDUNDANT allows more instantly).  Where they are not
sure, the answer is None: nothing is stated, and the server decides.  Each
MariaDB rule is checked against a real server by the tests.
"""

from __future__ import annotations

import re
from typing import AbstractSet, Literal

from . import model as m
from . import ops as o
from .types import parse_type
from .values import frozen

Algorithm = Literal["INSTANT", "INPLACE", "COPY"]
Server = tuple[str, tuple[int, ...]]
"""``("mariadb" | "mysql", version)``: the server an operation runs on."""

_RANK: dict[str, int] = {"INSTANT": 0, "INPLACE": 1, "COPY": 2}


@frozen
class OnlineDDL:
    """How the server carries out one operation: ``algorithm``; ``concurrent``: other sessions may write to
    the table meanwhile (``LOCK=NONE``); ``why``: what makes it a table copy, in a few words (COPY only)."""

    algorithm: Algorithm
    concurrent: bool = True
    why: str = ""
    least: Algorithm | None = None
    """What a statement states when not ``algorithm`` itself: the least the server must manage where state the
    schema does not show may make it do more.  A table that ever had a FULLTEXT index keeps a hidden
    ``FTS_DOC_ID`` column, and InnoDB allows only so many instant column changes before a rebuild: adding or
    dropping a column then rebuilds the table in place (writes go on).  MariaDB reads ``ALGORITHM=INPLACE`` as
    "in place or better", so it still adds or drops the column instantly when it can.  ``"COPY"``: state
    nothing (MySQL reads INPLACE as "rebuild in place")."""

    @property
    def clause(self) -> str | None:
        """What an ALTER TABLE states for it: ``ALGORITHM=INSTANT``, ``ALGORITHM=INPLACE, LOCK=NONE`` (or
        without the lock when writes must wait), None for a copy (the server is left to decide)."""
        stated = self.least or self.algorithm
        if stated == "INSTANT":
            return "ALGORITHM=INSTANT"
        if stated == "INPLACE":
            return "ALGORITHM=INPLACE, LOCK=NONE" if self.concurrent else "ALGORITHM=INPLACE"
        return None


_INSTANT = OnlineDDL("INSTANT")
_INSTANT_COLUMN = OnlineDDL("INSTANT", least="INPLACE")  # MariaDB: a column added or dropped (see ``least``)
_INSTANT_UNSTATED = OnlineDDL("INSTANT", least="COPY")  # MySQL: a column added or dropped
_INPLACE = OnlineDDL("INPLACE")
_INPLACE_LOCKED = OnlineDDL("INPLACE", concurrent=False)


def _copy(why: str) -> OnlineDDL:
    return OnlineDDL("COPY", concurrent=False, why=why)


def online_ddl(op: o.Op, schema: m.Schema, server: Server | None) -> OnlineDDL | None:
    """How ``server`` carries out ``op`` (``schema`` is the schema before it); None when ``op`` is no ALTER
    TABLE the rules know (creating or renaming a table, a hand-written step), the server is not MariaDB
    10.3.7+ or MySQL 8.0.12+, or the rules are not sure."""
    if server is None or not isinstance(op, _KINDS):
        return None
    flavor, version = server
    if flavor == "mariadb" and version >= (10, 3, 7):
        rules = _Rules(schema, version, mariadb=True)
    elif flavor == "mysql" and (8, 0, 12) <= version < (8, 1):
        rules = _Rules(schema, version, mariadb=False)
    else:
        return None
    return rules.of(op)


def algorithm(op: o.Op, schema: m.Schema, server: Server | None) -> Algorithm | None:
    """``"INSTANT"``, ``"INPLACE"`` or ``"COPY"``: how ``server`` carries out ``op`` (see :func:`online_ddl`)."""
    found = online_ddl(op, schema, server)
    return found.algorithm if found is not None else None


def copies_table(op: o.Op, schema: m.Schema, server: Server | None) -> bool:
    """Whether ``op`` surely copies its table on ``server``, every row, while writes wait."""
    return algorithm(op, schema, server) == "COPY"


def why_copy(op: o.Op, schema: m.Schema, server: Server | None) -> str | None:
    """Why ``op`` copies its table on ``server``, in one line (``changes the type of t.c from integer to
    bigint``); None when it does not, or that is not sure."""
    found = online_ddl(op, schema, server)
    return found.why if found is not None and found.algorithm == "COPY" else None


def clause(op: o.Op, schema: m.Schema, server: Server | None) -> str | None:
    """The ``ALGORITHM=…`` (and ``LOCK=NONE``) an ALTER TABLE of ``op`` states on ``server``, or None."""
    found = online_ddl(op, schema, server)
    return found.clause if found is not None else None


_KINDS = (
    o.AddColumn, o.DropColumn, o.AlterColumn, o.RenameColumn, o.AlterEnum, o.CreateIndex, o.DropIndex,
    o.AddConstraint, o.DropConstraint, o.AlterTableComment,
)

# bytes a character takes at most, by character set (a collation's name starts with its set's)
_CHARSET_BYTES = {
    "ascii": 1, "binary": 1, "latin1": 1, "latin2": 1, "latin5": 1, "latin7": 1, "cp1250": 1, "cp1251": 1,
    "cp1256": 1, "cp1257": 1, "cp850": 1, "cp852": 1, "cp866": 1, "greek": 1, "hebrew": 1, "koi8r": 1,
    "koi8u": 1, "swe7": 1, "ucs2": 2, "big5": 2, "gbk": 2, "gb2312": 2, "sjis": 2, "cp932": 2, "euckr": 2,
    "ujis": 3, "eucjpms": 3, "utf8": 3, "utf8mb3": 3, "utf8mb4": 4, "utf16": 4, "utf16le": 4, "utf32": 4,
}
_ANY_CHARSET = frozenset({1, 2, 3, 4})
_VARIABLE = re.compile(r"^(varchar|varbinary)\((\d+)\)$")
_SET = re.compile(r"^set\((.*)\)$", re.S)
# a default every existing row can take without computing it per row
_CONSTANT_DEFAULT = re.compile(
    r"""^\s*(?:'(?:[^'\\]|''|\\.)*'|[+-]?\d+(?:\.\d+)?|null|true|false|"""
    r"""(?:current_timestamp|now|localtimestamp|localtime)(?:\s*\(\s*\d*\s*\))?)\s*$""",
    re.I | re.S,
)


class _Rules:
    """The rules for one server, against the schema before the operation."""

    def __init__(self, schema: m.Schema, version: tuple[int, ...], *, mariadb: bool) -> None:
        self.schema, self.version, self.mariadb = schema, version, mariadb

    def of(self, op: o.Op) -> OnlineDDL | None:
        if isinstance(op, o.AlterEnum):
            return self.alter_enum(op)
        key = m.qualified(op.table, op.schema)  # type: ignore[attr-defined]  # every other kind names its table
        if not self.schema.has_table(key):
            return None
        table = self.schema.table(key)
        if isinstance(op, o.AddColumn):
            return self.add_column(table, op.column)
        if isinstance(op, o.DropColumn):
            return self.drop_column(table, op.column.name)
        if isinstance(op, o.AlterColumn):
            return self.alter_column(table, op)
        if isinstance(op, o.RenameColumn):
            return self.rename_column(table, op.old)
        if isinstance(op, o.CreateIndex):
            return _INPLACE_LOCKED if op.index.using in ("fulltext", "spatial") else _INPLACE
        if isinstance(op, o.DropIndex):
            return _INPLACE
        if isinstance(op, o.AddConstraint):
            return self.add_constraint(table, op.constraint)
        if isinstance(op, o.DropConstraint):
            return self.drop_constraint(op.constraint)
        if isinstance(op, o.AlterTableComment):
            return _INSTANT if self.mariadb else None
        return None

    # --- columns ------------------------------------------------------------------

    def add_column(self, table: m.Table, column: m.Column) -> OnlineDDL | None:
        where = f"{table.key}.{column.name}"
        if column.computed is not None:
            return None if column.virtual else _copy(f"adds {where}, a stored generated column computed for every row")
        if column.autoincrement or column.identity is not None:
            return None  # numbered with the key that comes with it
        if column.default is not None and not _CONSTANT_DEFAULT.match(column.default):
            return None  # an expression may need computing row by row
        if _has_fulltext(table):
            return _INPLACE_LOCKED if self.mariadb else None  # the table's FULLTEXT index makes it rebuild
        return self.column_instantly()  # at the end of the table, where dbshift adds it

    def column_instantly(self) -> OnlineDDL:
        """A column added or dropped instantly, unless the table's hidden state says otherwise (see
        :attr:`OnlineDDL.least`)."""
        return _INSTANT_COLUMN if self.mariadb else _INSTANT_UNSTATED

    def drop_column(self, table: m.Table, name: str) -> OnlineDDL | None:
        if _in_foreign_key(self.schema, table, name) or _in_check(table, name) or _has_fulltext(table):
            return None
        if table.primary_key is not None and name in table.primary_key.columns:
            return _copy(f"drops {table.key}.{name}, a column of the primary key")
        if _indexed(table, name, alone=False):
            return None  # a key of several columns loses one: not sure
        if _indexed(table, name):
            return _INPLACE  # its indexes go
        if self.version >= ((10, 4) if self.mariadb else (8, 0, 29)):
            return self.column_instantly()
        return _INPLACE

    def rename_column(self, table: m.Table, name: str) -> OnlineDDL | None:
        if _in_foreign_key(self.schema, table, name) or _in_check(table, name):
            return None
        if self.mariadb:
            return _INSTANT if self.version >= (10, 5, 2) else None  # RENAME COLUMN is 10.5.2+
        return _INSTANT if self.version >= (8, 0, 28) else _INPLACE

    def alter_column(self, table: m.Table, op: o.AlterColumn) -> OnlineDDL | None:
        old, new = op.old, op.new
        held = table.column(old.name).collation if table.has_column(old.name) else None
        collation = old.collation or held  # as the database holds it, when it was read
        where = f"{table.key}.{old.name}"
        parts: list[OnlineDDL | None] = []
        for change in op.changes:
            if change == "type":
                parts.append(self.type_change(old, new, collation, where))
            elif change == "nullable":  # the table is rebuilt in place; writes go on
                parts.append(_INPLACE if self.mariadb or new.nullable else None)  # MySQL: NOT NULL needs strict mode
            elif change == "default":
                parts.append(_INSTANT)
            elif change == "comment":
                parts.append(_INSTANT if self.mariadb else None)
            elif change == "collation":
                parts.append(self.collation_change(table, old.name, collation, new.collation, where))
            elif change in ("autoincrement", "identity"):
                parts.append(self.numbering_change(table, old, new, where))
            else:  # generation (computed, virtual): the renderer drops and adds the column
                parts.append(None)
        return _costliest(parts)

    def type_change(self, old: m.Column, new: m.Column, collation: str | None, where: str) -> OnlineDDL | None:
        """A column's type changed (its collation, as far as known, being ``collation``)."""
        before, after = old.type.strip().lower(), new.type.strip().lower()
        longer = _VARIABLE.match(before), _VARIABLE.match(after)
        if longer[0] and longer[1] and longer[0].group(1) == longer[1].group(1) and old.collation == new.collation:
            size = {1} if longer[0].group(1) == "varbinary" else _bytes_per_character(collation)
            return self.length_change(size, int(longer[0].group(2)), int(longer[1].group(2)), where)
        values = _listed(before), _listed(after)
        if values[0] is not None and values[1] is not None and values[0][0] == values[1][0]:
            return self.values_change(values[0][0], values[0][1], values[1][1], where)
        return _copy(f"changes the type of {where} from {old.type} to {new.type}")

    def length_change(self, sizes: AbstractSet[int], old: int, new: int, where: str) -> OnlineDDL | None:
        """A VARCHAR or VARBINARY (whose characters take one of ``sizes`` bytes) made longer or shorter: longer
        keeps the rows as they are while the length of each value still takes as many bytes (on MariaDB
        also from under 128 bytes to any length)."""
        if new < old:
            return _copy(f"shortens {where} from {old} to {new} characters")
        kept = {self._same_length_bytes(old * n, new * n) for n in sizes}
        if kept == {True}:
            return _INSTANT if self.mariadb else _INPLACE
        if kept == {False}:
            return _copy(f"widens {where} from {old} to {new} characters past 255 bytes, which stores each "
                         "value's length in 2 bytes instead of 1")
        return None  # depends on the table's character set, which the schema does not hold

    def _same_length_bytes(self, old: int, new: int) -> bool:
        if self.mariadb and old < 128:
            return True  # a length under 128 takes 1 byte either way (MDEV-15563)
        return (old <= 255) == (new <= 255)

    def values_change(self, kind: str, old: tuple[str, ...], new: tuple[str, ...], where: str) -> OnlineDDL | None:
        """An ENUM or SET given other values: appending keeps the rows as they are, until the values need
        more bytes to store."""
        if new[: len(old)] == old and _value_bytes(kind, len(old)) == _value_bytes(kind, len(new)):
            return _INSTANT if len(new) > len(old) else None
        if new[: len(old)] == old:
            return _copy(f"adds values to {where}, which then takes more bytes in every row")
        return _copy(f"changes the values of {where} other than by adding some at the end")

    def collation_change(
        self, table: m.Table, name: str, old: str | None, new: str | None, where: str
    ) -> OnlineDDL | None:
        if old is None or new is None:
            return None  # the table's default: not in the schema
        before, after = _charset(old), _charset(new)
        if before == after:
            indexed = _indexed(table, name)
            return _INSTANT if self.mariadb and self.version >= (10, 4, 3) and not indexed else None
        if before in ("utf8", "utf8mb3") and after == "utf8mb4":
            return None  # instant on recent MariaDB, not on every server
        return _copy(f"converts {where} from character set {before} to {after}")

    def numbering_change(self, table: m.Table, old: m.Column, new: m.Column, where: str) -> OnlineDDL | None:
        numbered = new.autoincrement or new.identity is not None
        if not numbered:
            return _INSTANT if self.mariadb and self.version >= (10, 4) else None
        if _key_starts_with(table, old.name):
            return _copy(f"makes {where} AUTO_INCREMENT, numbering the rows one by one")
        return None  # AUTO_INCREMENT waits for the key that comes after it

    def alter_enum(self, op: o.AlterEnum) -> OnlineDDL | None:
        where = f"the columns of enum {op.old.key}"
        if op.renamed or op.removed:
            return _copy(f"renames or removes values of {where}")
        return self.values_change("enum", tuple(op.old.values), tuple(op.new.values), where)

    # --- keys -----------------------------------------------------------------------

    def add_constraint(self, table: m.Table, c: m.Constraint) -> OnlineDDL | None:
        if isinstance(c, m.ForeignKey):
            return _copy(f"adds foreign key {c.name or '(' + ', '.join(c.columns) + ')'} on {table.key}, which is "
                         "checked by copying the table while foreign_key_checks is on")
        if isinstance(c, m.Check) and self.mariadb:
            return _copy(f"adds CHECK {c.name or c.sqltext} on {table.key}, which is checked by copying the table")
        if isinstance(c, (m.PrimaryKey, m.Unique)):
            first = table.column(c.columns[0]) if table.has_column(c.columns[0]) else None
            numbered = first is not None and (first.autoincrement or first.identity is not None)
            if numbered and not _key_starts_with(table, c.columns[0]):
                return None  # the key brings the AUTO_INCREMENT that waited for it
            if isinstance(c, m.PrimaryKey):
                if table.primary_key is not None or any(
                    not table.has_column(n) or table.column(n).nullable for n in c.columns
                ):
                    return None  # the server makes the columns NOT NULL, or replaces a key: not sure
                return _INPLACE  # the table is rebuilt in place; writes go on
            return _INPLACE
        return None

    def drop_constraint(self, c: m.Constraint) -> OnlineDDL | None:
        if isinstance(c, m.PrimaryKey):
            return _copy("drops the primary key, without which InnoDB rebuilds the table by copying it")
        if isinstance(c, m.ForeignKey):
            return _INPLACE  # instant, and the index made for it (dropped after) in place
        if isinstance(c, m.Unique):
            return _INPLACE
        if isinstance(c, m.Check):
            return _INSTANT if self.mariadb else None
        return None


def _costliest(parts: list[OnlineDDL | None]) -> OnlineDDL | None:
    """What a statement of several changes does: a copy if any part copies, unknown if any part is, else
    the slowest part (writes go on only if they go on for every part)."""
    copies = [p for p in parts if p is not None and p.algorithm == "COPY"]
    if copies:
        return copies[0]
    if not parts or any(p is None for p in parts):
        return None
    known = [p for p in parts if p is not None]
    slowest = max(known, key=lambda p: _RANK[p.algorithm])
    return OnlineDDL(slowest.algorithm, all(p.concurrent for p in known))


def _listed(type_text: str) -> tuple[str, tuple[str, ...]] | None:
    """``("enum", values)`` or ``("set", values)`` for such a type, else None."""
    spec = parse_type(type_text)
    if spec.is_enum:
        return "enum", spec.values
    found = _SET.match(type_text)
    if found:
        return "set", parse_type(f"enum({found.group(1)})").values
    return None


def _value_bytes(kind: str, count: int) -> int:
    """Bytes an ENUM of ``count`` values (1 up to 255, else 2) or a SET of ``count`` members takes."""
    if kind == "enum":
        return 1 if count <= 255 else 2
    return next(size for limit, size in ((8, 1), (16, 2), (24, 3), (32, 4)) if count <= limit) if count <= 32 else 8


def _charset(collation: str) -> str:
    return collation.lower().split("_")[0]


def _bytes_per_character(collation: str | None) -> AbstractSet[int]:
    """The bytes a character of a column may take: known from its ``collation``, else any of 1 to 4."""
    if collation is None:
        return _ANY_CHARSET
    size = _CHARSET_BYTES.get(_charset(collation))
    return frozenset({size}) if size is not None else _ANY_CHARSET


def _indexed(table: m.Table, name: str, alone: bool | None = None) -> bool:
    """Whether column ``name`` is in an index or key of ``table`` (``alone``: one of that column only; False:
    one of several columns; None: either)."""
    keys = [i.expressions for i in table.indexes] + [u.columns for u in table.uniques]
    keys += [table.primary_key.columns] if table.primary_key is not None else []
    return any(name in _column_names(k) and (alone is None or alone == (len(k) == 1)) for k in keys)


def _key_starts_with(table: m.Table, name: str) -> bool:
    keys = [i.expressions for i in table.indexes] + [u.columns for u in table.uniques]
    keys += [table.primary_key.columns] if table.primary_key is not None else []
    return any(_column_names(k)[:1] == (name,) for k in keys)


def _column_names(expressions: tuple[str, ...]) -> tuple[str, ...]:
    """The column of each index key (``name(10) DESC`` → ``name``)."""
    return tuple(re.split(r"[\s(]", e.strip().strip("`"), maxsplit=1)[0].strip("`") for e in expressions)


def _has_fulltext(table: m.Table) -> bool:
    return any(i.using == "fulltext" for i in table.indexes)


def _in_foreign_key(schema: m.Schema, table: m.Table, name: str) -> bool:
    """Whether column ``name`` of ``table`` is in a foreign key, of the table or referencing it."""
    if any(name in fk.columns for fk in table.foreign_keys):
        return True
    return any(
        fk.ref_table == table.name and fk.ref_schema == table.schema and name in fk.ref_columns
        for t in schema.tables for fk in t.foreign_keys
    )


def _in_check(table: m.Table, name: str) -> bool:
    word = re.compile(rf"(?<![\w`]){re.escape(name)}(?![\w`])|`{re.escape(name)}`", re.I)
    return any(word.search(c.sqltext) for c in table.checks)


__all__ = ["Algorithm", "OnlineDDL", "Server", "algorithm", "clause", "copies_table", "online_ddl", "why_copy"]
