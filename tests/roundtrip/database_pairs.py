"""Two databases, A and B, and ``dbshift diff`` between them: the helpers the pair tests share."""

from __future__ import annotations

import io
from typing import Any

import sqlalchemy as sa

from dbshift.cli import main


def execute(url: str, sql: str) -> None:
    """Run a script as psql would (no parameters: a ``%`` in a function body is just a character)."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.exec_driver_sql(sql, execution_options={"no_parameters": True})
    engine.dispose()


def rows(url: str, query: str) -> list[tuple]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        found = [tuple(r) for r in conn.exec_driver_sql(query)]
    engine.dispose()
    return found


def scalar(url: str, query: str) -> Any:
    return rows(url, query)[0][0]


def diff(a: str, b: str) -> tuple[int, str]:
    """``dbshift diff a b``: its exit code and SQL; it writes nothing on stderr."""
    out, err = io.StringIO(), io.StringIO()
    code = main(["diff", a, b], out, err)
    assert err.getvalue() == ""
    return code, out.getvalue()


def converge(a: str, b: str) -> str:
    """Apply ``dbshift diff a b`` to ``a``: nothing is left to change.  Returns the SQL applied."""
    code, sql = diff(a, b)
    assert code == 2, "A and B differ"
    execute(a, sql)
    assert diff(a, b) == (0, "")
    return sql
