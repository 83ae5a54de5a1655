"""Lint: name the operations of a migration that lose data or take long locks.

``lint(ops, dialect)`` returns :class:`Finding` values with stable codes; a
code never changes meaning, so CI configurations and ``lint_ignore`` lists stay
valid.  "Existing table" means a table not created earlier in the same list of
operations.  Findings read from hand-written SQL (``RunSQL``) come from the
text alone and are marked ``heuristic``.

Codes:

DS101  drop table: its rows are lost.
DS102  drop column of an existing table: its data is lost, running code may still use it.
DS103  column type change that rewrites the table or may not convert every value
       (PostgreSQL: anything but widening varchar / varchar to text / raising numeric precision;
       SQLite: a change of base type; MySQL/MariaDB: any change but a varchar widening that
       keeps the length prefix size, the table is copied).
DS104  SET NOT NULL on an existing column: fails if a row holds NULL (not flagged after a
       Backfill of the column, except on PostgreSQL, which scans the whole table under an
       ACCESS EXCLUSIVE lock).
DS105  add a NOT NULL column without a default to an existing table: fails once it has rows.
DS106  index built on an existing table without CONCURRENTLY (PostgreSQL; also unique constraints):
       writes are blocked while it builds.
DS107  FOREIGN KEY or CHECK added to an existing table without NOT VALID (PostgreSQL):
       every row is checked under a lock that blocks writes.
DS108  rename of a table or column: running application code breaks until redeployed.
DS109  enum values removed: rows holding them make the migration fail.
DS110  hand-written SQL that drops, truncates, or deletes without WHERE.

Downgrades.  :func:`lint_downgrade` reads what a migration's downgrade would
do to the data: the codes of :data:`DOWNGRADE_CODES` (data lost, or rows that
make it fail), leaving out the drops of tables and columns the same
migration's upgrade created, which only undo it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from . import ops as o
from .model import Check, Column, ForeignKey, Unique, qualified
from .sqltext import split_sql
from .types import TypeSpec, parse_type

CODES: dict[str, str] = {
    "DS101": "drop table",
    "DS102": "drop column",
    "DS103": "column type change rewrites the table or may lose data",
    "DS104": "SET NOT NULL on an existing column",
    "DS105": "NOT NULL column without a default added to an existing table",
    "DS106": "index built without CONCURRENTLY",
    "DS107": "constraint added without NOT VALID",
    "DS108": "rename breaks running application code",
    "DS109": "enum values removed",
    "DS110": "destructive hand-written SQL",
}

HEURISTIC_NOTE = " (read from hand-written SQL; heuristic)"

#: The codes a downgrade is read for: data lost, or values and rows it fails on (not locks or deploy order).
DOWNGRADE_CODES = frozenset({"DS101", "DS102", "DS103", "DS104", "DS105", "DS109", "DS110"})


@dataclass(frozen=True)
class Finding:
    """One unsafe operation: a stable ``code``, ``severity`` ("error" loses data, "warning" locks or breaks code)."""

    code: str
    severity: str
    op: str
    message: str
    suggestion: str
    heuristic: bool = False


def lint(
    ops: Sequence[o.Op], dialect: str, ignore: Iterable[str] = (), *, made: frozenset[str] = frozenset()
) -> list[Finding]:
    """The findings for ``ops`` run in order on ``dialect`` (``postgresql``, ``sqlite``, ``mysql``, ``mariadb``).

    ``made``: tables and ``table.column`` names (lower case, unquoted) whose
    drop loses nothing worth a finding — what the upgrade being undone created.
    """
    dialect = "mysql" if dialect == "mariadb" else dialect
    created: set[str] = set()
    filled: set[str] = set()  # "table.column" a Backfill filled earlier
    findings: list[Finding] = []
    for op in ops:
        if isinstance(op, o.RunSQL):
            findings += _run_sql(op, dialect, created, made)
        elif not _undoes(op, made):
            findings += _op(op, dialect, created, filled)
        if isinstance(op, o.Backfill):
            filled.add(f"{qualified(op.table, op.schema)}.{op.column}")
        elif isinstance(op, o.CreateTable):
            created.add(op.table.key)
        elif isinstance(op, o.RenameTable) and qualified(op.old, op.schema) in created:
            created.add(qualified(op.new, op.schema))
    skip = set(ignore)
    return [f for f in findings if f.code not in skip]


def lint_downgrade(
    upgrade: Sequence[o.Op], downgrade: Sequence[o.Op], dialect: str, ignore: Iterable[str] = ()
) -> list[Finding]:
    """What running ``downgrade`` (after ``upgrade`` ran) would lose or fail on: :data:`DOWNGRADE_CODES` only,
    without the drops of what ``upgrade`` created."""
    found = lint(downgrade, dialect, ignore, made=made_by(upgrade))
    return [f for f in found if f.code in DOWNGRADE_CODES]


def made_by(ops: Sequence[o.Op]) -> frozenset[str]:
    """The tables and ``table.column`` names ``ops`` create (lower case, unquoted), from operations and from SQL."""
    made: set[str] = set()
    for op in ops:
        if isinstance(op, o.CreateTable):
            made.add(_bare(op.table.key))
        elif isinstance(op, o.AddColumn):
            made.add(_bare(f"{qualified(op.table, op.schema)}.{op.column.name}"))
        elif isinstance(op, o.RenameTable) and _bare(qualified(op.old, op.schema)) in made:
            made.add(_bare(qualified(op.new, op.schema)))
        elif isinstance(op, o.RunSQL):
            for statement in split_sql(op.sql):
                text = _strip_comments(statement)
                if table := _CREATE_TABLE.match(text):
                    made.add(_bare(table.group(1)))
                elif column := _ADD_COLUMN.match(text):
                    made.add(_bare(f"{column.group(1)}.{column.group(2)}"))
    return frozenset(made)


def _undoes(op: o.Op, made: frozenset[str]) -> bool:
    """``op`` drops a table or column that ``made`` names."""
    if isinstance(op, o.DropTable):
        return _bare(op.table.key) in made
    if isinstance(op, o.DropColumn):
        return _bare(f"{qualified(op.table, op.schema)}.{op.column.name}") in made
    return False


def _finding(code: str, severity: str, op: o.Op, message: str, suggestion: str) -> list[Finding]:
    return [Finding(code, severity, op.describe(), message, suggestion)]


def _op(op: o.Op, dialect: str, created: set[str], filled: set[str]) -> list[Finding]:
    table = getattr(op, "table", None)
    key = qualified(table, getattr(op, "schema", None)) if isinstance(table, str) else None
    existing = key is not None and key not in created
    pg = dialect == "postgresql"
    if isinstance(op, o.DropTable):
        return _finding(
            "DS101", "error", op, f"drops table {op.table.key} and all its rows",
            "first deploy code that no longer uses the table; back it up or rename it aside before dropping",
        )
    if isinstance(op, o.DropColumn) and existing:
        return _finding(
            "DS102", "error", op, f"drops column {key}.{op.column.name} and its data",
            "first deploy code that no longer reads or writes the column, then drop it in a later migration",
        )
    if isinstance(op, o.AlterColumn) and key is not None and existing:
        return _alter_column(op, key, dialect, f"{key}.{op.old.name}" in filled)
    if isinstance(op, o.AddColumn) and existing and _needs_value(op.column):
        return _finding("DS105", "error", op, f"adds NOT NULL column {key}.{op.column.name} without a default; "
                        "fails if the table has rows",
                        "give it a server_default, or add it nullable, fill it, then make it NOT NULL")
    if isinstance(op, o.CreateIndex) and existing and pg:
        return _finding("DS106", "warning", op, f"builds index {op.index.name} while blocking writes to {key}",
                        f"use RunSQL(\"CREATE {'UNIQUE ' if op.index.unique else ''}INDEX CONCURRENTLY "
                        f"{op.index.name} ON {key} ({', '.join(op.index.expressions)})"
                        f"{' WHERE ' + op.index.where if op.index.where else ''}\"), "
                        "which dbshift runs outside a transaction")
    if isinstance(op, o.AddConstraint) and key is not None and existing and pg:
        return _add_constraint(op, key)
    if isinstance(op, (o.RenameTable, o.RenameColumn)):
        return _finding("DS108", "warning", op, f"{op.describe()} breaks code still using the old name",
                        "deploy in steps: add the new name, write to both, move readers, then remove the old one")
    if isinstance(op, o.AlterEnum) and op.removed:
        return _finding("DS109", "error", op, f"removes value(s) {', '.join(op.removed)} from enum type {op.old.key}; "
                        "fails if rows hold them", "update rows holding those values first, in an earlier migration")
    return []


def _needs_value(column: Column) -> bool:
    return not column.nullable and column.default is None and column.computed is None \
        and column.identity is None and not column.autoincrement


def _alter_column(op: o.AlterColumn, key: str, dialect: str, filled: bool) -> list[Finding]:
    where = f"{key}.{op.old.name}"
    found: list[Finding] = []
    if op.old.type != op.new.type:
        old, new = parse_type(op.old.type), parse_type(op.new.type)
        if old.is_enum and new.is_enum and set(old.values) - set(new.values):
            gone = ", ".join(v for v in old.values if v not in new.values)
            found += _finding(
                "DS109", "error", op, f"removes value(s) {gone} from the enum of {where}; fails if rows hold them",
                "update rows holding those values first, in an earlier migration",
            )
        elif _type_change_unsafe(old, new, dialect):
            why = {"postgresql": "rewrites the table under an ACCESS EXCLUSIVE lock",
                   "mysql": "copies the table", "sqlite": "rebuilds the table"}.get(dialect, "rewrites the table")
            found += _finding(
                "DS103", "warning", op,
                f"changes {where} from {op.old.type} to {op.new.type}: {why}; values may not convert",
                "add a new column of the new type, backfill it, switch the code over, then drop the old one",
            )
    if op.old.nullable and not op.new.nullable:
        if dialect == "postgresql":
            suggestion = (f"add CHECK ({op.old.name} IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT it, then SET NOT NULL "
                          "(PostgreSQL 12+: no scan) and drop the check, via RunSQL")
            message = f"makes {where} NOT NULL: scans the whole table under an ACCESS EXCLUSIVE lock"
        elif filled:  # the NULLs were filled just before: nothing left to fail on
            return found
        else:
            suggestion = "fill the NULLs in an earlier step (a Backfill or RunSQL UPDATE)"
            message = f"makes {where} NOT NULL: fails if any row holds NULL"
        found += _finding("DS104", "warning", op, message, suggestion)
    return found


def _type_change_unsafe(old: TypeSpec, new: TypeSpec, dialect: str) -> bool:
    if dialect == "postgresql":
        if old.name == "varchar" and new.name == "text":
            return False
        if old.name == new.name == "varchar":
            return bool(new.args) and (not old.args or new.args[0] < old.args[0])
        if old.name == new.name == "numeric" and old.args and (not new.args or (
                len(new.args) == len(old.args) and new.args[0] >= old.args[0] and new.args[1:] == old.args[1:])):
            return False
        return True
    if dialect == "sqlite":
        return old.name != new.name  # lengths are not enforced; the base type sets the affinity
    if old.name == new.name == "varchar" and old.args and new.args and new.args[0] >= old.args[0]:
        # MySQL widens in place while the length prefix keeps its size (1 byte below 256 bytes; utf8mb4 assumed)
        return (old.args[0] * 4 < 256) != (new.args[0] * 4 < 256)
    return True


def _add_constraint(op: o.AddConstraint, key: str) -> list[Finding]:
    c = op.constraint
    name = c.name or "<name>"
    if isinstance(c, (ForeignKey, Check)):
        kind, blocks = ("FOREIGN KEY", "writes") if isinstance(c, ForeignKey) else ("CHECK", "reads and writes")
        return _finding("DS107", "warning", op,
                        f"adds {kind} {name} to {key}: checks every row while blocking {blocks}",
                        f"use RunSQL(\"ALTER TABLE {key} ADD CONSTRAINT {name} ... NOT VALID\") then "
                        f"RunSQL(\"ALTER TABLE {key} VALIDATE CONSTRAINT {name}\")")
    if isinstance(c, Unique):
        return _finding("DS106", "warning", op,
                        f"builds the index of unique constraint {name} while blocking writes to {key}",
                        f"RunSQL(\"CREATE UNIQUE INDEX CONCURRENTLY {name} ON {key} (...)\") then "
                        f"\"ALTER TABLE {key} ADD CONSTRAINT {name} UNIQUE USING INDEX {name}\"")
    return []


# --- hand-written SQL ----------------------------------------------------------------

_NAME = r"(?:if\s+(?:not\s+)?exists\s+)?(?:only\s+)?([\w.\"`]+)"
_CREATE_TABLE = re.compile(r"^create\s+(?:(?:temp|temporary|unlogged)\s+)?table\s+" + _NAME, re.I)
_NOT_A_COLUMN = r"(?!(?:constraint|index|default|not|identity|expression|primary|foreign|check|partition)\b)"
_DROP = re.compile(
    r"^(drop\s+(?:table|schema|database)\b|alter\s+table\s+.*\bdrop\s+(?:column\b|" + _NOT_A_COLUMN + r"\w))",
    re.I | re.S,
)
_TRUNCATE = re.compile(r"^truncate\b", re.I)
_DELETE = re.compile(r"^delete\s+from\b", re.I)
_WHERE = re.compile(r"\bwhere\b", re.I)
_INDEX = re.compile(r"^create\s+(unique\s+)?index\s+(concurrently\s+)?(?:if\s+not\s+exists\s+)?(?:[\w.\"`]+\s+)?on\s+"
                    + _NAME, re.I)
_ALTER = re.compile(r"^alter\s+table\s+" + _NAME, re.I)
_ADD_FK_CHECK = re.compile(r"\badd\b.*\b(foreign\s+key|check)\b", re.I | re.S)
_SET_NOT_NULL = re.compile(r"\bset\s+not\s+null\b", re.I)
_RENAME = re.compile(r"\brename\b", re.I)
_ADD_COLUMN = re.compile(r"^alter\s+table\s+" + _NAME + r"\s+add\s+(?:column\s+)?" + _NAME, re.I)
_DROPPED = re.compile(
    r"^(?:drop\s+table\s+" + _NAME + r"\s*(?:cascade|restrict)?\s*$"
    r"|alter\s+table\s+" + _NAME + r"\s+drop\s+(?:column\s+)?" + _NAME + r"\s*(?:cascade|restrict)?\s*$)",
    re.I,
)


def _bare(name: str) -> str:
    return name.replace('"', "").replace("`", "").lower()


def _run_sql(op: o.RunSQL, dialect: str, created: set[str], made: frozenset[str] = frozenset()) -> list[Finding]:
    found: list[Finding] = []
    lowered = {c.lower() for c in created}
    for statement in split_sql(op.sql):
        text = _strip_comments(statement)
        first = text.splitlines()[0][:60] if text else ""
        new_table = _CREATE_TABLE.match(text)
        if new_table:
            lowered.add(_bare(new_table.group(1)))
            continue
        if made and (dropped := _DROPPED.match(text)):
            table, altered, column = dropped.groups()
            if (_bare(table) if table else _bare(f"{altered}.{column}")) in made:
                continue

        def add(code: str, severity: str, message: str, suggestion: str, *, first: str = first) -> None:
            # ``first`` bound now: each statement's findings name that statement
            found.append(Finding(code, severity, f"run SQL: {first}", message + HEURISTIC_NOTE, suggestion, True))

        if _DROP.match(text) or _TRUNCATE.match(text) or (_DELETE.match(text) and not _WHERE.search(text)):
            add("DS110", "error", f"'{first}' removes data",
                "make sure the data is backed up or no longer needed; DELETE with a WHERE for a subset")
            continue
        index, alter = _INDEX.match(text), _ALTER.match(text)
        if dialect == "postgresql" and index and not index.group(2) and _bare(index.group(3)) not in lowered:
            add("DS106", "warning", f"'{first}' blocks writes to {index.group(3)} while the index builds",
                "CREATE INDEX CONCURRENTLY (dbshift runs it outside a transaction)")
        if not alter or _bare(alter.group(1)) in lowered:
            continue
        if dialect == "postgresql" and _ADD_FK_CHECK.search(text) and not re.search(r"\bnot\s+valid\b", text, re.I):
            add("DS107", "warning", f"'{first}' checks every row while blocking writes",
                "add the constraint NOT VALID, then VALIDATE CONSTRAINT in a separate statement")
        if _SET_NOT_NULL.search(text):
            add("DS104", "warning", f"'{first}' checks every row for NULL"
                + (" under an ACCESS EXCLUSIVE lock" if dialect == "postgresql" else ""),
                "on PostgreSQL: a CHECK (col IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL")
        if _RENAME.search(text):
            add("DS108", "warning", f"'{first}' breaks code still using the old name",
                "deploy in steps: add the new name, write to both, move readers, then remove the old one")
    return found


def _strip_comments(sql: str) -> str:
    lines = [line for line in sql.strip().splitlines() if not line.strip().startswith("--")]
    return re.sub(r"/\*.*?\*/", " ", "\n".join(lines), flags=re.S).strip()
