"""Lint: name the operations of a migration that lose data, fail on the rows there, or take long locks.

``lint(ops, dialect)`` returns :class:`Finding` values with stable codes; a
code never changes meaning or severity, so CI configurations and
``lint_ignore`` lists stay valid.  "Existing table" means a table not created
earlier in the same list of operations (or, with :func:`lint_plan`, in an
earlier pending migration).  Findings read from hand-written SQL
(``RunSQL``, :mod:`.lint_sql`) come from the text alone and are marked
``heuristic``.

Reading the data.  Given :class:`~dbshift.core.probes.Facts` (what the target
database holds), every rule looks at the rows and the table's size:

* a change that fails or loses data on these rows is an error naming how many
  rows and a few of them; the same change on rows it cannot hurt says nothing;
* a change that holds a long lock or rewrites a table is a warning only when
  the table has at least ``facts.large_rows`` rows, and says how large it is;
* an empty table, a table created earlier in the plan, and a table an earlier
  step may have changed in ways lint cannot follow (hand-written SQL naming it,
  Python code) are judged as the statement alone reads — never by data the
  earlier step may have changed.

Without facts every rule reads the statement alone, as ``squawk`` does.

Codes (severity):

DS101  error    drop table: its rows are lost.
DS102  error    drop column of an existing table: its data is lost, running code may still use it.
DS103  warning  column type change that rewrites the table or may not convert every value
                (PostgreSQL: anything but widening varchar / varchar to text / raising numeric precision;
                SQLite: a change of base type; MySQL/MariaDB: any change but a varchar widening that
                keeps the length prefix size, the table is copied).
DS104  warning  SET NOT NULL on an existing column: fails if a row holds NULL (not flagged after a
                Backfill of the column, except on PostgreSQL, which scans the whole table under an
                ACCESS EXCLUSIVE lock).
DS105  error    add a NOT NULL column without a default to an existing table: fails once it has rows.
DS106  warning  index built on an existing table without CONCURRENTLY (PostgreSQL; also unique constraints):
                writes are blocked while it builds.
DS107  warning  FOREIGN KEY or CHECK added to an existing table without NOT VALID (PostgreSQL):
                every row is checked under a lock that blocks writes.
DS108  warning  rename of a table or column: running application code breaks until redeployed.
DS109  error    enum values removed: rows holding them make the migration fail.
DS110  error    hand-written SQL that drops, truncates, or deletes without WHERE.
DS111  error    rows hold NULL in a column about to become NOT NULL (read from the database).
DS112  error    rows hold duplicate values under a new unique key, index or primary key (read from the database).
DS113  error    rows reference nothing under a new foreign key (read from the database).
DS114  error    rows break a new CHECK constraint (read from the database).
DS115  error    rows hold values the column's new type cannot hold: too long, too large, too precise
                (read from the database).
DS116  warning  MariaDB/MySQL copies a large table for the change (ALGORITHM=COPY: writes wait until every
                row is copied); a column type change says so as DS103.

Downgrades.  :func:`lint_downgrade` reads what a migration's downgrade would
do to the data: the codes of :data:`DOWNGRADE_CODES` (data lost, or rows that
make it fail), leaving out the drops of tables and columns the same
migration's upgrade created, which only undo it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Callable, Iterable, Sequence

from . import ops as o
from .findings import Finding, finding
from .lint_sql import made_by_sql, run_sql
from .model import Check, Column, ForeignKey, PrimaryKey, Unique, qualified
from .narrowing import loss as narrowing_loss
from .probes import (
    Answer, DuplicateRows, EnumRows, Facts, FailingCheck, FilledRows, LosingRows, NullRows, OrphanRows, Probe,
    rows_text, sample_text,
)
from .types import TypeSpec, parse_type

#: The codes a downgrade is read for: data lost, or values and rows it fails on (not locks or deploy order).
DOWNGRADE_CODES = frozenset({"DS101", "DS102", "DS103", "DS104", "DS105", "DS109", "DS110", "DS111", "DS112",
                             "DS113", "DS114", "DS115"})


Advise = Callable[[o.Op], "str | None"]
"""The safe form of an operation a lock warning names, as the migration would be written (None: no such form)."""

Copies = Callable[[o.Op, Sequence[o.Op]], "str | None"]
"""Why the server copies ``op``'s whole table to run it, given the plan's operations before it; None: it does not."""

ONLINE_CODES = frozenset({"DS104", "DS106", "DS107"})
"""The lock warnings an online form of the operation answers (see :mod:`dbshift.core.online`)."""


def lint(
    ops: Sequence[o.Op], dialect: str, ignore: Iterable[str] = (), *, made: frozenset[str] = frozenset(),
    facts: Facts | None = None, advise: Advise | None = None,
) -> list[Finding]:
    """The findings for ``ops`` run in order on ``dialect`` (``postgresql``, ``sqlite``, ``mysql``, ``mariadb``).

    ``made``: tables and ``table.column`` names (lower case, unquoted) whose
    drop loses nothing worth a finding — what the upgrade being undone created.
    ``facts``: what the database holds (see the module; :func:`lint_plan` lints
    several migrations in a row).  ``advise``: the suggestion of a lock warning,
    in place of the generic one, so that it is exactly what autogenerate writes.
    """
    walk = _Walk("mysql" if dialect == "mariadb" else dialect, facts, made, advise)
    findings: list[Finding] = []
    for op in ops:
        findings += walk.advised(op, walk.findings(op))
        walk.follow(op)
    skip = set(ignore)
    return [f for f in findings if f.code not in skip]


def lint_plan(
    plan: Sequence[Sequence[o.Op]], dialect: str, *, facts: Facts | None = None, advise: Advise | None = None,
    copies: Copies | None = None,
) -> list[list[Finding]]:
    """The findings of each migration of ``plan`` (their operations, in the order they run), each judged
    after the ones before it (what they created is new, what they changed is no longer as the facts say).
    ``copies``: which operations the server runs by copying their table (MariaDB/MySQL)."""
    walk = _Walk("mysql" if dialect == "mariadb" else dialect, facts, frozenset(), advise, copies)
    found: list[list[Finding]] = []
    for ops in plan:
        findings: list[Finding] = []
        for op in ops:
            own = walk.advised(op, walk.findings(op))
            findings += own + walk.copying(op, own)
            walk.follow(op)
        found.append(findings)
    return found


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
            made |= made_by_sql(op.sql)
    return frozenset(made)


# --- following the plan ---------------------------------------------------------------


@dataclass
class _Walk:
    """The plan read so far: which tables it created, which columns it filled, and which tables' rows earlier
    steps may have changed in ways the facts (read before the plan runs) no longer describe."""

    dialect: str
    facts: Facts | None
    made: frozenset[str]
    advise: Advise | None = None
    copies: Copies | None = None
    seen: list[o.Op] = field(default_factory=list)  # the plan's operations so far
    created: set[str] = field(default_factory=set)
    filled: set[str] = field(default_factory=set)  # "table.column" a Backfill filled earlier
    changed: set[str] = field(default_factory=set)  # bare tables, and bare "table.column", earlier steps changed
    sql: list[str] = field(default_factory=list)  # hand-written SQL run earlier: the tables it names changed
    opaque: bool = False  # Python code ran earlier: any row may have changed

    def follow(self, op: o.Op) -> None:
        """Take in what ``op`` does, for the operations after it."""
        self.seen.append(op)
        if isinstance(op, o.Backfill):
            self.filled.add(f"{qualified(op.table, op.schema)}.{op.column}")
        elif isinstance(op, o.CreateTable):
            self.created.add(op.table.key)
        elif isinstance(op, o.RenameTable):
            old, new = qualified(op.old, op.schema), qualified(op.new, op.schema)
            if old in self.created:
                self.created.add(new)
            self.changed |= {_bare(old), _bare(new)}
        elif isinstance(op, o.RunSQL):
            self.sql.append(op.sql)
        elif isinstance(op, o.RunPython):
            self.opaque = True
        elif isinstance(op, (o.BulkInsert, o.BulkDelete)):
            self.changed.add(_bare(qualified(op.table, op.schema)))
        elif isinstance(op, o.AddColumn):
            self.changed.add(_bare(f"{qualified(op.table, op.schema)}.{op.column.name}"))
        elif isinstance(op, o.AlterColumn) and op.old.type != op.new.type:
            self.changed.add(_bare(f"{qualified(op.table, op.schema)}.{op.new.name}"))
        elif isinstance(op, o.RenameColumn):
            self.changed.add(_bare(f"{qualified(op.table, op.schema)}.{op.new}"))
        elif isinstance(op, o.AlterEnum):
            self.changed |= {_bare(f"{t}.{c}") for t, c in op.columns or ()}

    def data(self, table: str, schema: str | None, column: str | None = None) -> Facts | None:
        """The facts, when they still describe ``table`` (and ``column``) at this point of the plan."""
        if self.facts is None or self.opaque:
            return None
        key = _bare(qualified(table, schema))
        if key in self.changed or (column is not None and f"{key}.{column.lower()}" in self.changed):
            return None
        name = re.compile(rf"(?<![\w$]){re.escape(key.rsplit('.', 1)[-1])}(?![\w$])", re.I)
        if any(name.search(sql) for sql in self.sql):
            return None
        return self.facts

    def copying(self, op: o.Op, found: list[Finding]) -> list[Finding]:
        """DS116 when the server copies a large existing table for ``op`` (and no DS103 says so already)."""
        table = getattr(op, "table", None)
        if self.copies is None or not isinstance(table, str) or any(f.code == "DS103" for f in found):
            return []
        schema = getattr(op, "schema", None)
        key = qualified(table, schema)
        facts = self.data(table, schema) if key not in self.created else None
        size = facts.size(table, schema) if facts is not None else None
        if size is None or facts is None or not facts.is_large(size):
            return []
        why = self.copies(op, tuple(self.seen))
        if why is None:
            return []
        return [finding("DS116", op.describe(), f"{op.describe()} copies the whole table {key} ({rows_text(size)}): "
                        f"{why}; writes wait until every row is copied",
                        "do it in a quiet hour, or with an online schema change tool (gh-ost, pt-online-schema-change)")]

    def advised(self, op: o.Op, found: list[Finding]) -> list[Finding]:
        """``found`` with each lock warning's suggestion the online form of ``op``, where there is one."""
        if self.advise is None or not any(f.code in ONLINE_CODES and not f.heuristic for f in found):
            return found
        advice = self.advise(op)
        if advice is None:
            return found
        return [replace(f, suggestion=advice) if f.code in ONLINE_CODES and not f.heuristic else f for f in found]

    def findings(self, op: o.Op) -> list[Finding]:
        if isinstance(op, o.RunSQL):
            return run_sql(op, self.dialect, self.created, self.made, self.data)
        if _undoes(op, self.made):
            return []
        table = getattr(op, "table", None)
        key = qualified(table, getattr(op, "schema", None)) if isinstance(table, str) else None
        existing = key is not None and key not in self.created
        if isinstance(op, o.DropTable):
            return _drop_table(op, self.data(op.table.name, op.table.schema))
        if isinstance(op, o.AlterEnum):
            return _alter_enum(op, self.facts if not self.opaque else None)
        if isinstance(op, (o.RenameTable, o.RenameColumn)):
            return [finding("DS108", op.describe(), f"{op.describe()} breaks code still using the old name",
                            "deploy in steps: add the new name, write to both, move readers, then remove the old one")]
        if not existing or key is None:
            return []
        schema = getattr(op, "schema", None)
        assert isinstance(table, str)
        if isinstance(op, o.DropColumn):
            return _drop_column(op, key, self.data(table, schema, op.column.name))
        if isinstance(op, o.AlterColumn):
            facts = self.data(table, schema, op.old.name)
            return _alter_column(op, key, self.dialect, f"{key}.{op.old.name}" in self.filled, facts,
                                 self.data(table, schema))
        if isinstance(op, o.AddColumn) and _needs_value(op.column):
            return _add_column(op, key, self.data(table, schema))
        if isinstance(op, o.CreateIndex):
            return _create_index(op, key, self.dialect, self.data(table, schema))
        if isinstance(op, o.AddConstraint):
            facts = self.data(table, schema)
            if isinstance(op.constraint, Check) and self._filled_in(key, op.constraint.sqltext):
                facts = None  # a Backfill earlier in the plan changed the rows the check reads
            return _add_constraint(op, key, self.dialect, facts)
        return []

    def _filled_in(self, key: str, sql: str) -> bool:
        """Whether ``sql`` names a column of table ``key`` that a Backfill earlier in the plan filled."""
        columns = [f[len(key) + 1:] for f in self.filled if f.startswith(key + ".")]
        return any(re.search(rf"(?<![\w$]){re.escape(c)}(?![\w$])", sql, re.I) for c in columns)


# --- the rules --------------------------------------------------------------------------


def _asked(facts: Facts | None, probe: Probe) -> Answer | None:
    return facts.ask(probe) if facts is not None else None


def _judged(code: str, op: o.Op, answer: Answer | None, unread: str, read: Callable[[Answer], str],
            suggestion: str) -> list[Finding]:
    """A rule about rows: the ``unread`` message when the database did not answer, nothing when no row is
    concerned, else the ``read`` message of the answer, with its row count."""
    if answer is None:
        return [finding(code, op.describe(), unread, suggestion)]
    if answer.count == 0:
        return []
    return [finding(code, op.describe(), read(answer), suggestion, rows=answer.count)]


def _drop_table(op: o.DropTable, facts: Facts | None) -> list[Finding]:
    return _judged(
        "DS101", op, facts.size(op.table.name, op.table.schema) if facts is not None else None,
        f"drops table {op.table.key} and all its rows", lambda size: f"drops table {op.table.key} and its {rows_text(size)}",
        "first deploy code that no longer uses the table; back it up or rename it aside before dropping")


def _drop_column(op: o.DropColumn, key: str, facts: Facts | None) -> list[Finding]:
    where = f"{key}.{op.column.name}"
    return _judged(
        "DS102", op, _asked(facts, FilledRows(op.table, op.schema, op.column.name)),
        f"drops column {where} and its data", lambda filled: f"drops column {where} and the values of {filled.count:,} row(s)",
        "first deploy code that no longer reads or writes the column, then drop it in a later migration")


def _add_column(op: o.AddColumn, key: str, facts: Facts | None) -> list[Finding]:
    added = f"adds NOT NULL column {key}.{op.column.name} without a default; "
    return _judged(
        "DS105", op, facts.size(op.table, op.schema) if facts is not None else None,
        added + "fails if the table has rows", lambda size: added + f"fails: {key} holds {rows_text(size)}",
        "give it a server_default, or add it nullable, fill it, then make it NOT NULL")


def _values_removed(op: o.Op, gone: str, of: str, held: Answer | None) -> list[Finding]:
    """DS109: enum values removed from ``of`` (a type, or a column's own enum) while ``held`` rows hold them."""
    removes = f"removes value(s) {gone} from {of}; "
    return _judged(
        "DS109", op, held, removes + "fails if rows hold them",
        lambda found: removes + f"{found.count:,} row(s) hold them{sample_text(found)}",
        "update rows holding those values first, in an earlier migration")


def _alter_enum(op: o.AlterEnum, facts: Facts | None) -> list[Finding]:
    if not op.removed:
        return []
    held = _asked(facts, EnumRows(op.old.name, op.old.schema, op.removed, op.columns))
    return _values_removed(op, ", ".join(op.removed), f"enum type {op.old.key}", held)


def _alter_column(
    op: o.AlterColumn, key: str, dialect: str, filled: bool, facts: Facts | None, table_facts: Facts | None,
) -> list[Finding]:
    where = f"{key}.{op.old.name}"
    found: list[Finding] = []
    size = table_facts.size(op.table, op.schema) if table_facts is not None else None
    large = size is not None and table_facts is not None and table_facts.is_large(size)
    if op.old.type != op.new.type:
        found += _type_change(op, where, dialect, facts, size, large)
    if op.old.nullable and not op.new.nullable:
        found += _set_not_null(op, where, dialect, filled, facts, size, large)
    return found


def _type_change(
    op: o.AlterColumn, where: str, dialect: str, facts: Facts | None, size: Answer | None, large: bool,
) -> list[Finding]:
    old, new = parse_type(op.old.type), parse_type(op.new.type)
    loss = narrowing_loss(op.old.type, op.new.type)
    losing = _asked(facts, LosingRows(op.table, op.schema, op.old.name, op.new.type, loss)) if loss else None
    if old.is_enum and new.is_enum and set(old.values) - set(new.values):
        gone = ", ".join(v for v in old.values if v not in new.values)
        return _values_removed(op, gone, f"the enum of {where}", losing)
    found: list[Finding] = []
    if losing is not None and losing.count and not op.accept_loss:
        assert loss is not None
        found.append(finding(
            "DS115", op.describe(), f"changes {where} to {op.new.type}, which holds {loss.rule}: "
            f"{losing.count:,} row(s) hold other values{sample_text(losing)}",
            "fix or shorten those values in an earlier migration, or keep the wider type", rows=losing.count))
    if not _type_change_unsafe(old, new, dialect):
        return found
    why = {"postgresql": "rewrites the table under an ACCESS EXCLUSIVE lock",
           "mysql": "copies the table", "sqlite": "rebuilds the table"}.get(dialect, "rewrites the table")
    suggestion = "add a new column of the new type, backfill it, switch the code over, then drop the old one"
    if size is None or facts is None:
        return found + [finding("DS103", op.describe(), f"changes {where} from {op.old.type} to {op.new.type}: "
                                f"{why}; values may not convert", suggestion)]
    if large:
        found.append(finding("DS103", op.describe(), f"changes {where} from {op.old.type} to {op.new.type}: "
                             f"{why} ({rows_text(size)})", suggestion))
    return found


def _set_not_null(
    op: o.AlterColumn, where: str, dialect: str, filled: bool, facts: Facts | None, size: Answer | None, large: bool,
) -> list[Finding]:
    pg = dialect == "postgresql"
    lock = (f"add CHECK ({op.old.name} IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT it, then SET NOT NULL "
            "(PostgreSQL 12+: no scan) and drop the check, via RunSQL")
    scan = f"makes {where} NOT NULL: scans the whole table under an ACCESS EXCLUSIVE lock"
    nulls = None if filled else _asked(facts, NullRows(op.table, op.schema, op.old.name))
    if nulls is not None and nulls.count:
        return [finding("DS111", op.describe(), f"makes {where} NOT NULL: {nulls.count:,} row(s) hold NULL"
                        f"{sample_text(nulls)}", "fill the NULLs in an earlier step (a Backfill or RunSQL UPDATE)",
                        rows=nulls.count)]
    if filled or nulls is not None:  # no row can fail: only PostgreSQL's scan under its lock is left
        if not pg or (size is not None and not large):
            return []
        return [finding("DS104", op.describe(), scan + (f" ({rows_text(size)})" if size is not None else ""), lock)]
    if pg:
        return [finding("DS104", op.describe(), scan, lock)]
    return [finding("DS104", op.describe(), f"makes {where} NOT NULL: fails if any row holds NULL",
                    "fill the NULLs in an earlier step (a Backfill or RunSQL UPDATE)")]


def _create_index(op: o.CreateIndex, key: str, dialect: str, facts: Facts | None) -> list[Finding]:
    index = op.index
    found = _duplicates(op, key, index.expressions, index.where, facts) if index.unique else []
    if dialect != "postgresql" or getattr(op, "concurrently", False):
        return found
    size = facts.size(op.table, op.schema) if facts is not None else None
    if size is not None and not (facts is not None and facts.is_large(size)):
        return found
    rows = f" ({rows_text(size)})" if size is not None else ""
    return found + [finding(
        "DS106", op.describe(), f"builds index {index.name} while blocking writes to {key}{rows}",
        f"use RunSQL(\"CREATE {'UNIQUE ' if index.unique else ''}INDEX CONCURRENTLY {index.name} ON {key} "
        f"({', '.join(index.expressions)}){' WHERE ' + index.where if index.where else ''}\"), "
        "which dbshift runs outside a transaction")]


def _duplicates(op: o.CreateIndex | o.AddConstraint, key: str, expressions: tuple[str, ...], where: str | None,
                facts: Facts | None) -> list[Finding]:
    dup = _asked(facts, DuplicateRows(op.table, op.schema, tuple(expressions), where))
    if dup is None or not dup.count:
        return []
    return [finding("DS112", op.describe(), f"{op.describe()}: {dup.count:,} row(s) of {key} share their "
                    f"({', '.join(expressions)}) with another row{sample_text(dup)}",
                    "remove or change the duplicates in an earlier migration", rows=dup.count)]


def _add_constraint(op: o.AddConstraint, key: str, dialect: str, facts: Facts | None) -> list[Finding]:
    c = op.constraint
    name = c.name or "<name>"
    found: list[Finding] = []
    if isinstance(c, ForeignKey):
        orphans = _asked(facts, OrphanRows(op.table, op.schema, c.columns, c.ref_table, c.ref_schema, c.ref_columns))
        if orphans is not None and orphans.count:
            found.append(finding("DS113", op.describe(), f"adds FOREIGN KEY {name} to {key}: {orphans.count:,} row(s) "
                                 f"reference no row of {qualified(c.ref_table, c.ref_schema)}{sample_text(orphans)}",
                                 "delete or fix those rows in an earlier migration", rows=orphans.count))
    elif isinstance(c, Check):
        failing = _asked(facts, FailingCheck(op.table, op.schema, c.sqltext))
        if failing is not None and failing.count:
            found.append(finding("DS114", op.describe(), f"adds CHECK {name} to {key}: {failing.count:,} row(s) "
                                 f"break ({c.sqltext}){sample_text(failing)}",
                                 "fix those rows in an earlier migration", rows=failing.count))
    elif isinstance(c, (Unique, PrimaryKey)):
        found += _duplicates(op, key, c.columns, None, facts)
    if dialect != "postgresql" or not isinstance(c, (ForeignKey, Check, Unique)):
        return found
    if isinstance(c, (ForeignKey, Check)) and getattr(op, "valid", True) is False:
        return found
    size = facts.size(op.table, op.schema) if facts is not None else None
    if size is not None and not (facts is not None and facts.is_large(size)):
        return found
    rows = f" ({rows_text(size)})" if size is not None else ""
    if isinstance(c, Unique):
        return found + [finding(
            "DS106", op.describe(), f"builds the index of unique constraint {name} while blocking writes to {key}{rows}",
            f"RunSQL(\"CREATE UNIQUE INDEX CONCURRENTLY {name} ON {key} (...)\") then "
            f"\"ALTER TABLE {key} ADD CONSTRAINT {name} UNIQUE USING INDEX {name}\"")]
    kind, blocks = ("FOREIGN KEY", "writes") if isinstance(c, ForeignKey) else ("CHECK", "reads and writes")
    return found + [finding(
        "DS107", op.describe(), f"adds {kind} {name} to {key}: checks every row while blocking {blocks}{rows}",
        f"use RunSQL(\"ALTER TABLE {key} ADD CONSTRAINT {name} ... NOT VALID\") then "
        f"RunSQL(\"ALTER TABLE {key} VALIDATE CONSTRAINT {name}\")")]


def _undoes(op: o.Op, made: frozenset[str]) -> bool:
    """``op`` drops a table or column that ``made`` names."""
    if isinstance(op, o.DropTable):
        return _bare(op.table.key) in made
    if isinstance(op, o.DropColumn):
        return _bare(f"{qualified(op.table, op.schema)}.{op.column.name}") in made
    return False


def _needs_value(column: Column) -> bool:
    return not column.nullable and column.default is None and column.computed is None \
        and column.identity is None and not column.autoincrement


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


def _bare(name: str) -> str:
    return name.replace('"', "").replace("`", "").lower()
