"""Reading what a user would look at: the command's output and exit code, the schema, the rows, pg_dump."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
import sqlalchemy as sa

from dbshift.cli import main

HISTORY_TABLES = {"alembic_version", "dbshift_history"}


def run(*argv: str) -> tuple[int, str, str]:
    """``dbshift ARGV`` in-process: (exit code, stdout, stderr)."""
    import io

    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err, stdin=io.StringIO())
    return code, out.getvalue(), err.getvalue()


def schema_of(url: str) -> dict:
    """Every table but the history tables: columns (type as the database names it), keys, constraints, indexes."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            return {table: _table(inspector, table) for table in sorted(set(inspector.get_table_names()) - HISTORY_TABLES)}
    finally:
        engine.dispose()


def _table(inspector, table: str) -> dict:
    pk = inspector.get_pk_constraint(table)
    fks = [(fk["name"], tuple(fk["constrained_columns"]), fk["referred_table"], tuple(fk["referred_columns"]),
            tuple(sorted((fk.get("options") or {}).items()))) for fk in inspector.get_foreign_keys(table)]
    uniques = [(u["name"], tuple(u["column_names"])) for u in inspector.get_unique_constraints(table)]
    checks = [(c["name"], c["sqltext"]) for c in inspector.get_check_constraints(table)]
    indexes = [(i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in inspector.get_indexes(table)]
    return {
        "columns": [(c["name"], str(c["type"]), c["nullable"], c.get("default")) for c in inspector.get_columns(table)],
        "pk": (tuple(pk["constrained_columns"]), pk.get("name")),
        "fks": sorted(fks, key=repr),  # names may be None (SQLite)
        "uniques": sorted(uniques, key=repr),
        "checks": sorted(checks, key=repr),
        "indexes": sorted(indexes, key=repr),
    }


def rows_of(url: str, sql: str) -> list[tuple]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.exec_driver_sql(sql).fetchall()]
    finally:
        engine.dispose()


def tables_of(url: str) -> set[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return set(sa.inspect(conn).get_table_names())
    finally:
        engine.dispose()


def pg_dump_schema(url: str) -> str:
    """``pg_dump --schema-only`` without the history tables, the dump's random restrict keys and comments."""
    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed")
    parsed = sa.engine.make_url(url)
    env = dict(os.environ, PGHOST=parsed.host or "127.0.0.1", PGPORT=str(parsed.port or 5432),
               PGUSER=parsed.username or "postgres", PGDATABASE=parsed.database or "")
    argv = ["pg_dump", "--schema-only", "--no-owner", "--no-privileges"]
    for table in sorted(HISTORY_TABLES):
        argv += ["-T", table]
    text = subprocess.run(argv, env=env, check=True, capture_output=True, text=True).stdout
    return "\n".join(line for line in text.splitlines()
                     if not re.match(r"\\(un)?restrict |--", line) and "dbshift_history" not in line
                     and "alembic_version" not in line)
