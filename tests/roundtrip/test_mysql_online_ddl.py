"""MariaDB online DDL for real: each operation's predicted algorithm is the one the server takes.

Every case runs one operation on a table of 2,000 rows.  The statements as
rendered for the server state the predicted algorithm, and the server
accepting them proves it can do that much; for INPLACE the server refusing
``ALGORITHM=INSTANT`` proves nothing cheaper exists, and for COPY the server
refusing ``ALGORITHM=INPLACE`` proves the table is copied.  Then dbshift
upgrades a database while another connection keeps inserting rows, none of
which waits long.
"""

from __future__ import annotations

import io
import os
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable

import pytest
import sqlalchemy as sa

from dbshift.cli import main
from dbshift.core import model as m
from dbshift.core import ops as o
from dbshift.core.mysql_algorithm import OnlineDDL, online_ddl, why_copy
from dbshift.database.connect import create_engine
from dbshift.render import Statement, render
from dbshift.sqla.dialect import server_version
from dbshift.sqla.reflect import reflect

ROWS = 2000
REFUSED = {1845, 1846}  # ER_ALTER_OPERATION_NOT_SUPPORTED(_REASON): "ALGORITHM=… is not supported"

SETUP = [
    "CREATE TABLE parent (id INT PRIMARY KEY)",
    "INSERT INTO parent VALUES (1)",
    """CREATE TABLE t (
        id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
        a INT, n INT NOT NULL, e INT NOT NULL DEFAULT 0,
        b VARCHAR(20), w VARCHAR(40), l VARCHAR(200) CHARACTER SET latin1, f VARCHAR(300),
        d ENUM('x', 'y'), s SET('a', 'b'), h INT, pid INT, c VARCHAR(20), k VARCHAR(20),
        KEY ix_a (a), UNIQUE KEY uq_h (h), KEY ix_k (k),
        CONSTRAINT ck_e CHECK (e >= 0), CONSTRAINT fk_pid FOREIGN KEY (pid) REFERENCES parent (id)
    ) COMMENT 'rows'""",
    f"""INSERT INTO t (a, n, e, b, w, l, f, d, s, h, pid, c, k)
        SELECT seq, seq, 1, 'b', 'w', 'l', 'f', 'x', 'a', seq, 1, 'c', 'k' FROM seq_1_to_{ROWS}""",
    "CREATE TABLE nopk (id INT NOT NULL, v INT)",
    f"INSERT INTO nopk SELECT seq, seq FROM seq_1_to_{ROWS}",
]

Build = Callable[[m.Table], o.Op]


def _changed(name: str, **changes: object) -> Build:
    return lambda t: o.AlterColumn("t", t.column(name), replace(t.column(name), **changes))  # type: ignore[arg-type]


def _fk(t: m.Table, name: str) -> m.ForeignKey:
    return next(fk for fk in t.foreign_keys if fk.name == name)


CASES: dict[str, tuple[Build, str, bool]] = {
    # name: (the operation on table t, the algorithm, whether writes go on)
    "add column": (lambda t: o.AddColumn("t", m.Column("z", "integer")), "INSTANT", True),
    "add NOT NULL column with default": (
        lambda t: o.AddColumn("t", m.Column("z", "integer", nullable=False, default="5")), "INSTANT", True),
    "add text column": (lambda t: o.AddColumn("t", m.Column("z", "text")), "INSTANT", True),
    "add stored generated column": (
        lambda t: o.AddColumn("t", m.Column("z", "integer", computed="a + 1")), "COPY", False),
    "drop column": (lambda t: o.DropColumn("t", t.column("b")), "INSTANT", True),
    "drop indexed column": (lambda t: o.DropColumn("t", t.column("k")), "INPLACE", True),
    "drop primary key column": (lambda t: o.DropColumn("t", t.column("id")), "COPY", False),
    "rename column": (lambda t: o.RenameColumn("t", "b", "bb"), "INSTANT", True),
    "rename indexed column": (lambda t: o.RenameColumn("t", "a", "aa"), "INSTANT", True),
    "set default": (_changed("e", default="7"), "INSTANT", True),
    "drop default": (_changed("e", default=None), "INSTANT", True),
    "column comment": (_changed("b", comment="hello"), "INSTANT", True),
    "widen varchar under 128 bytes": (_changed("b", type="varchar(100)"), "INSTANT", True),
    "widen varchar within 255 bytes": (_changed("w", type="varchar(63)"), "INSTANT", True),
    "widen varchar past 255 bytes": (_changed("w", type="varchar(64)"), "COPY", False),
    "widen latin1 varchar past 255 bytes": (_changed("l", type="varchar(300)"), "COPY", False),
    "widen varchar over 255 bytes": (_changed("f", type="varchar(400)"), "INSTANT", True),
    "shorten varchar": (_changed("b", type="varchar(10)"), "COPY", False),
    "append enum value": (_changed("d", type="enum('x','y','z')"), "INSTANT", True),
    "prepend enum value": (_changed("d", type="enum('w','x','y')"), "COPY", False),
    "append set member": (_changed("s", type="set('a','b','c')"), "INSTANT", True),
    "integer to bigint": (_changed("a", type="bigint"), "COPY", False),
    "varchar to char": (_changed("b", type="char(20)"), "COPY", False),
    "set NOT NULL": (_changed("a", nullable=False), "INPLACE", True),
    "allow NULL": (_changed("n", nullable=True), "INPLACE", True),
    "collation of an unindexed column": (_changed("c", collation="utf8mb4_bin"), "INSTANT", True),
    "character set": (_changed("c", collation="latin1_swedish_ci"), "COPY", False),
    "stop AUTO_INCREMENT": (_changed("id", autoincrement=False), "INSTANT", True),
    "create index": (lambda t: o.CreateIndex("t", m.Index("ix_b", ("b",))), "INPLACE", True),
    "create unique index": (lambda t: o.CreateIndex("t", m.Index("ux_id_e", ("id", "e"), unique=True)), "INPLACE", True),
    "create FULLTEXT index": (
        lambda t: o.CreateIndex("t", m.Index("ft_b", ("b",), using="fulltext")), "INPLACE", False),
    "drop index": (lambda t: o.DropIndex("t", next(i for i in t.indexes if i.name == "ix_k")), "INPLACE", True),
    "add unique key": (lambda t: o.AddConstraint("t", m.Unique(("id", "e"), name="uq_id_e")), "INPLACE", True),
    "drop unique key": (lambda t: o.DropConstraint("t", next(u for u in t.uniques if u.name == "uq_h")), "INPLACE", True),
    "add foreign key": (
        lambda t: o.AddConstraint("t", m.ForeignKey(("pid",), "parent", ("id",), name="fk_again")), "COPY", False),
    "drop foreign key": (lambda t: o.DropConstraint("t", _fk(t, "fk_pid")), "INPLACE", True),
    "add CHECK": (lambda t: o.AddConstraint("t", m.Check("a > 0", name="ck_a")), "COPY", False),
    "drop CHECK": (lambda t: o.DropConstraint("t", next(c for c in t.checks if c.name == "ck_e")), "INSTANT", True),
    "table comment": (lambda t: o.AlterTableComment("t", "rows", "all the rows"), "INSTANT", True),
    "drop primary key": (lambda t: o.DropConstraint("t", t.primary_key), "COPY", False),  # type: ignore[arg-type]
}


def _execute(conn: sa.Connection, sql: str) -> int | None:
    """Run ``sql``; the server's error number when it refuses, else None."""
    try:
        conn.exec_driver_sql(sql)
    except sa.exc.DBAPIError as exc:
        return exc.orig.args[0] if exc.orig is not None else -1
    return None


def _with(sql: str, clause: str) -> str:
    """``sql`` (an ALTER TABLE or CREATE INDEX, without any algorithm) stating ``clause`` instead."""
    return f"{sql}, {clause}" if sql.startswith("ALTER TABLE") else f"{sql} {clause.replace(',', '')}"


def _without(sql: str, found: OnlineDDL) -> str:
    stated = found.clause or ""
    return sql.replace(f", {stated}", "").replace(f" {stated.replace(',', '')}", "")


@pytest.fixture
def mariadb(mysql_url):
    engine = create_engine(mysql_url)
    with engine.connect() as conn:
        server = server_version(conn.dialect)
        if server is None or server[0] != "mariadb" or server[1] < (10, 5, 2):
            pytest.skip(f"these cases are MariaDB 10.5.2+'s, not {server}")
    yield engine, server
    engine.dispose()


def _fresh(engine: sa.Engine, setup: list[str]) -> m.Schema:
    with engine.begin() as conn:
        for sql in setup:
            conn.exec_driver_sql(sql)
    with engine.connect() as conn:
        return reflect(conn)


@pytest.mark.parametrize("case", list(CASES))
def test_the_server_takes_the_predicted_algorithm_and_no_cheaper(mariadb, case):
    engine, server = mariadb
    build, expected, concurrent = CASES[case]
    schema = _fresh(engine, SETUP)
    op = build(schema.table("t"))
    found = online_ddl(op, schema, server)
    assert found is not None and (found.algorithm, found.concurrent) == (expected, concurrent)

    statements = [s.sql for s in render(op, "mariadb", schema, server) if type(s) is Statement]
    ddl = [s for s in statements if s.startswith(("ALTER TABLE", "CREATE"))]
    assert ddl
    with engine.connect() as conn:
        if expected == "COPY":
            assert all("ALGORITHM" not in s for s in statements)  # the server decides, and copies
            assert _execute(conn, _with(ddl[-1], "ALGORITHM=INPLACE")) in REFUSED
            assert why_copy(op, schema, server)
        else:
            assert all((found.clause or "").replace(",", "") in s.replace(",", "") for s in ddl)
            if expected == "INPLACE" and not concurrent:
                assert _execute(conn, _with(_without(ddl[-1], found), "ALGORITHM=INPLACE, LOCK=NONE")) in REFUSED
        refused = []
        for sql in statements:
            if expected == "INPLACE" and sql in ddl:  # a statement done more cheaply is done: go on
                refused.append(_execute(conn, _with(_without(sql, found), "ALGORITHM=INSTANT")))
                if refused[-1] is None:
                    continue
            if expected == "INSTANT" and sql in ddl and found.clause != "ALGORITHM=INSTANT":
                sql = _with(_without(sql, found), "ALGORITHM=INSTANT")  # the prediction, stricter than stated
            assert _execute(conn, sql) is None, sql
        assert expected != "INPLACE" or set(refused) & REFUSED  # no cheaper algorithm for the operation
        assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == ROWS


def test_a_primary_key_is_added_in_place_while_writes_go_on(mariadb):
    engine, server = mariadb
    schema = _fresh(engine, SETUP)
    op = o.AddConstraint("nopk", m.PrimaryKey(("id",)))
    [statement] = render(op, "mariadb", schema, server)
    assert statement.sql.endswith(", ALGORITHM=INPLACE, LOCK=NONE")
    with engine.connect() as conn:
        assert _execute(conn, statement.sql.replace("INPLACE, LOCK=NONE", "INSTANT")) in REFUSED
        assert _execute(conn, statement.sql) is None
    with engine.connect() as conn:
        assert reflect(conn).table("nopk").primary_key.columns == ("id",)


def test_a_column_is_added_and_dropped_in_place_where_a_fulltext_index_was(mariadb):
    """The FTS_DOC_ID column a FULLTEXT index leaves behind makes InnoDB rebuild the table to add or drop a
    column: stating ALGORITHM=INPLACE (which MariaDB reads as "in place or better") lets it, writes going on."""
    engine, server = mariadb
    fulltext_gone = ["ALTER TABLE t ADD FULLTEXT INDEX ft_b (b)", "ALTER TABLE t DROP INDEX ft_b"]
    for build in (lambda t: o.AddColumn("t", m.Column("z", "integer")), lambda t: o.DropColumn("t", t.column("c"))):
        schema = _fresh(engine, ["DROP TABLE IF EXISTS t, nopk, parent", *SETUP, *fulltext_gone])
        op = build(schema.table("t"))
        found = online_ddl(op, schema, server)
        assert found is not None and found.algorithm == "INSTANT"  # as on a table that never had one
        [statement] = render(op, "mariadb", schema, server)
        assert statement.sql.endswith(", ALGORITHM=INPLACE, LOCK=NONE")
        with engine.connect() as conn:
            assert _execute(conn, _with(_without(statement.sql, found), "ALGORITHM=INSTANT")) in REFUSED
            assert _execute(conn, statement.sql) is None
            assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == ROWS


def test_a_varchar_wider_by_characters_of_unknown_size_is_left_to_the_server(mariadb):
    """Without the column's character set (a schema from models), VARCHAR(40) to VARCHAR(64) crosses 255
    bytes in utf8mb4 but not in latin1: nothing is stated, and the server picks."""
    engine, server = mariadb
    schema = _fresh(engine, SETUP)
    column = replace(schema.table("t").column("w"), collation=None)
    table = replace(schema.table("t"), columns=tuple(column if c.name == "w" else c for c in schema.table("t").columns))
    unknown = schema.replace_table("t", table)
    op = o.AlterColumn("t", column, replace(column, type="varchar(64)"))
    assert online_ddl(op, unknown, server) is None
    [statement] = render(op, "mariadb", unknown, server)
    assert "ALGORITHM" not in statement.sql


# --- dbshift upgrade while the application writes ------------------------------------


def _project(root: Path, ops: str) -> Path:
    (root / "migrations").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[tool.dbshift]\nmigrations = "migrations"\n')
    (root / "migrations" / "20260101000001_online.py").write_text(
        "from dbshift.migration import *  # noqa: F401,F403\n\n"
        "revision = '20260101000001'\nparents = ()\nmessage = 'online'\n\n"
        f"upgrade = [\n{ops}]\n"
    )
    return root


def _cli(root: Path, url: str, *argv: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    previous = Path.cwd()
    os.chdir(root)
    try:
        code = main(["--url", url, *argv], out, err, io.StringIO())
    finally:
        os.chdir(previous)
    assert code == 0, out.getvalue() + err.getvalue()
    return out.getvalue()


def test_an_upgrade_of_instant_and_in_place_changes_lets_inserts_go_on(mariadb, mysql_url, tmp_path):
    engine, _ = mariadb
    _fresh(engine, SETUP)
    root = _project(tmp_path / "project", """\
    AddColumn('t', Column('note', 'varchar(40)')),
    AlterColumn('t', Column('b', 'varchar(20)'), Column('b', 'varchar(60)')),
    CreateIndex('t', Index('ix_b', ('b',))),
    AlterColumn('t', Column('e', 'integer', nullable=False, default='0'), Column('e', 'integer', nullable=False, default='9')),
    RenameColumn('t', 'k', 'kind'),
    AlterColumn('t', Column('n', 'integer', nullable=False), Column('n', 'integer')),
    DropIndex('t', Index('ix_a', ('a',))),
    AlterTableComment('t', 'rows', 'all the rows'),
""")
    waits: list[float] = []
    stop = threading.Event()

    def insert() -> None:
        writer = create_engine(mysql_url)
        with writer.connect() as conn:
            conn.exec_driver_sql("SET SESSION innodb_lock_wait_timeout = 20, lock_wait_timeout = 20")
            while not stop.is_set():
                started = time.perf_counter()
                conn.exec_driver_sql("INSERT INTO t (a, n, h, pid) VALUES (0, 0, NULL, 1)")
                conn.commit()
                waits.append(time.perf_counter() - started)
        writer.dispose()

    writer = threading.Thread(target=insert)
    writer.start()
    try:
        time.sleep(0.2)
        _cli(root, mysql_url, "upgrade")
        time.sleep(0.2)
    finally:
        stop.set()
        writer.join(timeout=30)
    assert len(waits) > 20
    assert max(waits) < 1.0, f"an insert waited {max(waits):.2f}s"
    with engine.connect() as conn:
        table = reflect(conn).table("t")
        assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == ROWS + len(waits)
    assert table.column("b").type == "varchar(60)" and table.has_column("kind") and table.column("n").nullable
    assert table.comment == "all the rows"
