"""Asking the database lint's questions (:mod:`dbshift.core.probes`): table sizes, and the rows that break a rule.

Every question is a read, run in a savepoint that is always rolled back, so
the connection's transaction is left as it was; a question the database
cannot answer (a table an earlier pending migration creates, an expression
this database does not know, a query slower than :data:`PROBE_TIMEOUT_S`)
goes unanswered, and lint reads that statement alone.  A table's size is
counted up to the ``large`` threshold and estimated from the catalog above
it, so asking costs at most a scan of that many rows.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

import sqlalchemy as sa

from ..core.probes import (
    Answer, DuplicateRows, EnumRows, FailingCheck, FilledRows, LosingRows, NullRows, OrphanRows, Probe, Size,
)
from ..core.types import string_literal
from ..sqla.dialect import server_dialect

SHOWN = 3
"""How many offending rows an answer shows."""

PROBE_TIMEOUT_S = 10
"""A question the database takes longer than this to answer goes unanswered (PostgreSQL, MariaDB)."""

_NAME = re.compile(r"^\w+$")
_ORDER = re.compile(r"\s+(?:asc|desc)(?:\s+nulls\s+(?:first|last))?\s*$|\s+nulls\s+(?:first|last)\s*$", re.I)


def answer(conn: sa.Connection, probes: Iterable[Probe], large_rows: int) -> dict[Probe, Answer]:
    """The answers the database gives to ``probes``: sizes first, and no data question for an empty table."""
    asker = _Asker(conn, large_rows)
    wanted = set(probes)
    answers: dict[Probe, Answer] = {}
    for probe in sorted(wanted, key=lambda p: not isinstance(p, Size)):
        size = answers.get(Size(probe.table, probe.schema)) if not isinstance(probe, (Size, EnumRows)) else None
        found = Answer(0) if size is not None and size.count == 0 else asker.ask(probe)
        if found is not None:
            answers[probe] = found
    return answers


def large_tables(conn: sa.Connection, keys: Iterable[str], large_rows: int) -> set[str]:
    """The tables of ``keys`` (``schema.table`` or ``table``) holding at least ``large_rows`` rows."""
    sizes = {key: Size(table, schema) for key in keys for schema, table in [_split_key(key)]}
    answers = answer(conn, sizes.values(), large_rows)
    return {key for key, probe in sizes.items() if (found := answers.get(probe)) is not None and found.count >= large_rows}


def _split_key(key: str) -> tuple[str | None, str]:
    schema, _, table = key.rpartition(".")
    return schema or None, table


class _Asker:
    """Runs one probe at a time on ``conn``, each in a savepoint rolled back after it."""

    def __init__(self, conn: sa.Connection, large_rows: int) -> None:
        self.conn, self.large_rows = conn, large_rows
        self.dialect = server_dialect(conn.dialect)
        self.preparer = conn.dialect.identifier_preparer
        self._keys: dict[tuple[str, str | None], list[str]] = {}

    def ask(self, probe: Probe) -> Answer | None:
        try:
            savepoint = self.conn.begin_nested()
        except sa.exc.SQLAlchemyError:
            return None
        try:
            self._limit_time()
            return self._answer(probe)
        except sa.exc.SQLAlchemyError:
            return None
        finally:
            try:
                savepoint.rollback()
            except sa.exc.SQLAlchemyError:  # the connection is gone: the next question says so
                pass

    def _limit_time(self) -> None:
        if self.dialect == "postgresql":
            self.conn.exec_driver_sql(f"SET LOCAL statement_timeout = {PROBE_TIMEOUT_S * 1000}")

    def _answer(self, probe: Probe) -> Answer | None:
        table = self.table(probe.table, probe.schema)
        if isinstance(probe, Size):
            return self._size(probe, table)
        if isinstance(probe, NullRows):
            return self._rows(probe, table, f"{self.q(probe.column)} IS NULL")
        if isinstance(probe, FilledRows):
            count = self._scalar(f"SELECT count(*) FROM {table} WHERE {self.q(probe.column)} IS NOT NULL")
            return Answer(count)
        if isinstance(probe, FailingCheck):
            return self._rows(probe, table, f"NOT ({probe.expression})")
        if isinstance(probe, LosingRows):
            return self._losing(probe, table)
        if isinstance(probe, DuplicateRows):
            return self._duplicates(probe, table)
        if isinstance(probe, OrphanRows):
            return self._orphans(probe, table)
        if isinstance(probe, EnumRows):
            return self._enum_rows(probe)
        return None

    # --- each question -------------------------------------------------------------------

    def _size(self, probe: Size, table: str) -> Answer:
        limit = max(self.large_rows, 1)
        counted = self._scalar(f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT {limit}) dbshift_rows")
        estimate, size = self._catalog_size(probe)
        if counted < limit:
            return Answer(counted, bytes=size)
        if estimate is not None and estimate > counted:
            return Answer(estimate, exact=False, bytes=size)
        return Answer(counted, exact=False, bytes=size, at_least=True)

    def _catalog_size(self, probe: Probe) -> tuple[int | None, int | None]:
        """The catalog's estimate of the rows and the bytes of the table (with its indexes), where it keeps them."""
        if self.dialect == "postgresql":
            row = self.conn.execute(sa.text(
                "SELECT c.reltuples::bigint, pg_total_relation_size(c.oid) FROM pg_class c WHERE c.oid = to_regclass(:t)"
            ), {"t": self.table(probe.table, probe.schema)}).first()
        elif self.dialect in ("mysql", "mariadb"):
            row = self.conn.execute(sa.text(
                "SELECT table_rows, data_length + index_length FROM information_schema.tables "
                "WHERE table_schema = COALESCE(:s, DATABASE()) AND table_name = :t"
            ), {"s": probe.schema, "t": probe.table}).first()
        else:
            return None, None
        if row is None:
            return None, None
        return (int(row[0]) if row[0] is not None and row[0] >= 0 else None), (int(row[1]) if row[1] else None)

    def _losing(self, probe: LosingRows, table: str) -> Answer | None:
        from ..render import renderer_for

        renderer = renderer_for(self.dialect)
        column = self.q(probe.column)
        condition = renderer.loss_condition(column, probe.loss, renderer.type_sql(probe.new_type))
        if condition is None:
            return None
        return self._rows(probe, table, f"{column} IS NOT NULL AND {condition}", shown=(probe.column,))

    def _duplicates(self, probe: DuplicateRows, table: str) -> Answer:
        values = [self.expression(e) for e in probe.expressions]
        where = " AND ".join([f"{v} IS NOT NULL" for v in values] + ([f"({probe.where})"] if probe.where else []))
        groups = (f"SELECT {', '.join(values)}, count(*) AS dbshift_n FROM {table} WHERE {where} "
                  f"GROUP BY {', '.join(values)} HAVING count(*) > 1")
        count = self._scalar(f"SELECT coalesce(sum(dbshift_n), 0) FROM ({groups}) dbshift_groups")
        shown = self.conn.execute(_sql(f"{groups} ORDER BY dbshift_n DESC LIMIT {SHOWN}")).all() if count else []
        samples = tuple(
            ", ".join(f"{e}={_value(v)}" for e, v in zip(probe.expressions, row[:-1], strict=True)) + f" ({row[-1]} rows)"
            for row in shown
        )
        return Answer(int(count), samples)

    def _orphans(self, probe: OrphanRows, table: str) -> Answer:
        ref = self.table(probe.ref_table, probe.ref_schema)
        present = " AND ".join(f"dbshift_t.{self.q(c)} IS NOT NULL" for c in probe.columns)
        joined = " AND ".join(f"dbshift_r.{self.q(r)} = dbshift_t.{self.q(c)}"
                              for c, r in zip(probe.columns, probe.ref_columns, strict=True))
        condition = f"{present} AND NOT EXISTS (SELECT 1 FROM {ref} dbshift_r WHERE {joined})"
        return self._rows(probe, f"{table} dbshift_t", condition, shown=probe.columns, alias="dbshift_t.")

    def _enum_rows(self, probe: EnumRows) -> Answer | None:
        columns = list(probe.columns or ()) or self._enum_columns(probe)
        if not columns:
            return None
        total, samples = 0, []
        for key, column in columns:
            schema, _, name = key.rpartition(".")
            table = self.table(name, schema or None)
            text = f"CAST({self.q(column)} AS {'text' if self.dialect == 'postgresql' else 'CHAR'})"
            values = ", ".join(string_literal(self.dialect, v) for v in probe.values)
            found = self._rows(Probe(name, schema or None), table, f"{text} IN ({values})", shown=(column,))
            total += found.count
            samples += [f"{key}: {s}" for s in found.samples]
        return Answer(total, tuple(samples[:SHOWN]))

    def _enum_columns(self, probe: EnumRows) -> list[tuple[str, str]]:
        """PostgreSQL: the columns of the enum type, as (table key, column)."""
        if self.dialect != "postgresql":
            return []
        rows = self.conn.execute(sa.text(
            "SELECT table_schema, table_name, column_name, current_schema() FROM information_schema.columns "
            "WHERE udt_name = :t AND udt_schema = coalesce(:s, current_schema())"
        ), {"t": probe.table, "s": probe.schema}).all()
        return [(name if schema == current else f"{schema}.{name}", column) for schema, name, column, current in rows]

    # --- shared ------------------------------------------------------------------------------

    def _rows(self, probe: Probe, table: str, condition: str, *, shown: Iterable[str] = (), alias: str = "") -> Answer:
        """How many rows of ``table`` meet ``condition``, and a few of them by their primary key (and ``shown``)."""
        count = self._scalar(f"SELECT count(*) FROM {table} WHERE {condition}")
        if not count:
            return Answer(0)
        keys = self.primary_key(probe.table, probe.schema)
        columns = list(dict.fromkeys([*keys, *shown]))
        if not columns:
            return Answer(count)
        listed = ", ".join(f"{alias}{self.q(c)}" for c in columns)
        rows = self.conn.execute(_sql(f"SELECT {listed} FROM {table} WHERE {condition} LIMIT {SHOWN}")).all()
        return Answer(count, tuple(" ".join(f"{c}={_value(v)}" for c, v in zip(columns, row, strict=True)) for row in rows))

    def primary_key(self, table: str, schema: str | None) -> list[str]:
        if (table, schema) not in self._keys:
            try:
                found = sa.inspect(self.conn).get_pk_constraint(table, schema)
                self._keys[(table, schema)] = list(found.get("constrained_columns") or ())
            except sa.exc.SQLAlchemyError:
                self._keys[(table, schema)] = []
        return self._keys[(table, schema)]

    def _scalar(self, sql: str) -> int:
        if self.dialect == "mariadb":
            sql = f"SET STATEMENT max_statement_time = {PROBE_TIMEOUT_S} FOR {sql}"
        return int(self.conn.execute(_sql(sql)).scalar() or 0)

    def table(self, name: str, schema: str | None) -> str:
        quoted = self.preparer.quote(name)
        return f"{self.preparer.quote_schema(schema)}.{quoted}" if schema else quoted

    def q(self, name: str) -> str:
        return self.preparer.quote(name)

    def expression(self, text: str) -> str:
        """An index's element as SQL: a column name quoted, an expression as written (without its ordering)."""
        bare = _ORDER.sub("", text.strip())
        return self.q(bare) if _NAME.match(bare) else bare


def _sql(sql: str) -> sa.TextClause:
    """Built SQL holding expressions as the database prints them: no colon in it is a parameter."""
    return sa.text(sql.replace(":", "\\:"))


def _value(value: Any) -> str:
    """A value as an error shows it: text quoted and cut at 40 characters."""
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:40] + "…")
    return "NULL" if value is None else str(value)
