"""The algorithm MariaDB and MySQL take for each operation's ALTER TABLE, predicted without a server, and the
``ALGORITHM=`` clause the statements then state (proven on a real server in
tests/roundtrip/test_mysql_online_ddl.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from dbshift.core import model as m
from dbshift.core import ops as o
from dbshift.core.mysql_algorithm import algorithm, clause, copies_table, online_ddl, why_copy
from dbshift.render import render
from dbshift.sqla.dialect import dialect_for, server_version

MARIADB = ("mariadb", (10, 11, 6))
MYSQL = ("mysql", (8, 0, 36))

TABLE = m.Table(
    "t",
    (
        m.Column("id", "integer", nullable=False, autoincrement=True),
        m.Column("a", "integer"),
        m.Column("n", "integer", nullable=False),
        m.Column("b", "varchar(20)"),
        m.Column("w", "varchar(50)"),
        m.Column("l", "varchar(200)", collation="latin1_swedish_ci"),
        m.Column("u", "varchar(20)", collation="utf8mb4_general_ci"),
        m.Column("v", "varbinary(200)"),
        m.Column("d", "enum('x','y')"),
        m.Column("s", "set('a','b')"),
        m.Column("k", "varchar(20)"),
        m.Column("p", "integer"),
        m.Column("q", "integer"),
    ),
    primary_key=m.PrimaryKey(("id",)),
    indexes=(m.Index("ix_a", ("a",)), m.Index("ix_k_p", ("k", "p"))),
    checks=(m.Check("q > 0", name="ck_q"),),
    foreign_keys=(m.ForeignKey(("p",), "parent", ("id",), name="fk_p"),),
)
SCHEMA = m.Schema.of([TABLE, m.Table("parent", (m.Column("id", "integer", nullable=False),))])


def changed(name: str, **changes: object) -> o.AlterColumn:
    return o.AlterColumn("t", TABLE.column(name), replace(TABLE.column(name), **changes))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "op, expected",
    [
        (o.AddColumn("t", m.Column("z", "integer")), "INSTANT"),
        (o.AddColumn("t", m.Column("z", "integer", nullable=False, default="5")), "INSTANT"),
        (o.AddColumn("t", m.Column("z", "integer", computed="a + 1")), "COPY"),
        (o.DropColumn("t", TABLE.column("b")), "INSTANT"),
        (o.DropColumn("t", TABLE.column("a")), "INPLACE"),
        (o.RenameColumn("t", "b", "bb"), "INSTANT"),
        (changed("a", default="7"), "INSTANT"),
        (changed("a", comment="hello"), "INSTANT"),
        (changed("a", type="bigint"), "COPY"),
        (changed("a", nullable=False), "INPLACE"),
        (changed("n", nullable=True), "INPLACE"),
        (changed("b", type="varchar(100)"), "INSTANT"),  # under 128 bytes in any character set
        (changed("b", type="varchar(10)"), "COPY"),
        (changed("l", type="varchar(255)"), "INSTANT"),
        (changed("l", type="varchar(256)"), "COPY"),
        (changed("v", type="varbinary(255)"), "INSTANT"),
        (changed("v", type="varbinary(300)"), "COPY"),
        (changed("d", type="enum('x','y','z')"), "INSTANT"),
        (changed("d", type="enum('y','x')"), "COPY"),
        (changed("s", type="set('a','b','c')"), "INSTANT"),
        (changed("u", collation="utf8mb4_bin"), "INSTANT"),
        (changed("u", collation="latin1_swedish_ci"), "COPY"),
        (changed("id", autoincrement=False), "INSTANT"),
        (changed("a", default="7", type="bigint"), "COPY"),
        (changed("a", default="7", nullable=False), "INPLACE"),
        (o.CreateIndex("t", m.Index("ix_b", ("b",))), "INPLACE"),
        (o.DropIndex("t", TABLE.indexes[0]), "INPLACE"),
        (o.AddConstraint("t", m.Unique(("b",), name="uq_b")), "INPLACE"),
        (o.AddConstraint("t", m.ForeignKey(("q",), "parent", ("id",), name="fk_q")), "COPY"),
        (o.AddConstraint("t", m.Check("a > 0", name="ck_a")), "COPY"),
        (o.DropConstraint("t", TABLE.checks[0]), "INSTANT"),
        (o.DropConstraint("t", TABLE.foreign_keys[0]), "INPLACE"),
        (o.DropConstraint("t", TABLE.primary_key), "COPY"),
        (o.AlterTableComment("t", None, "rows"), "INSTANT"),
        (o.AlterEnum(m.Enum("mood", ("x", "y")), m.Enum("mood", ("x", "y", "z"))), "INSTANT"),
        (o.AlterEnum(m.Enum("mood", ("x", "y")), m.Enum("mood", ("x", "why")), renamed=(("y", "why"),)), "COPY"),
    ],
    ids=lambda v: v.describe() if isinstance(v, o.Op) else v,
)
def test_mariadb_algorithms(op, expected):
    assert algorithm(op, SCHEMA, MARIADB) == expected
    assert copies_table(op, SCHEMA, MARIADB) == (expected == "COPY")
    assert (why_copy(op, SCHEMA, MARIADB) is not None) == (expected == "COPY")


@pytest.mark.parametrize(
    "op",
    [
        o.AddColumn("t", m.Column("z", "integer", computed="a + 1", virtual=True)),
        o.AddColumn("t", m.Column("z", "integer", autoincrement=True)),
        o.AddColumn("t", m.Column("z", "varchar(36)", default="(uuid())")),  # computed row by row
        o.DropColumn("t", TABLE.column("k")),  # one of the columns of an index
        o.DropColumn("t", TABLE.column("p")),  # in a foreign key
        o.DropColumn("t", TABLE.column("q")),  # in a CHECK
        o.RenameColumn("parent", "id", "key"),  # referenced by a foreign key
        changed("w", type="varchar(64)"),  # 200 to 256 bytes in utf8mb4, 50 to 64 in latin1: unknown set
        changed("a", computed="id + 1"),
        changed("u", collation=None),
        changed("d", type="enum:mood('x','y')"),  # the same values
        o.AddConstraint("t", m.PrimaryKey(("a",))),  # a nullable column
        o.CreateTable(m.Table("new", (m.Column("id", "integer"),))),
        o.RenameTable("t", "u"),
        o.AddColumn("missing", m.Column("z", "integer")),
        o.RunSQL("ALTER TABLE t ADD COLUMN z INT"),
    ],
    ids=lambda op: op.describe(),
)
def test_what_the_rules_are_not_sure_of_is_left_to_the_server(op):
    assert online_ddl(op, SCHEMA, MARIADB) is None
    assert not copies_table(op, SCHEMA, MARIADB)


def test_a_fulltext_index_is_built_in_place_while_writes_wait():
    indexed = replace(TABLE, indexes=TABLE.indexes + (m.Index("ft_b", ("b",), using="fulltext"),))
    schema = SCHEMA.replace_table("t", indexed)
    found = online_ddl(o.CreateIndex("t", m.Index("ft_w", ("w",), using="fulltext")), SCHEMA, MARIADB)
    assert found is not None and (found.algorithm, found.concurrent, found.clause) == ("INPLACE", False, "ALGORITHM=INPLACE")
    added = online_ddl(o.AddColumn("t", m.Column("z", "integer")), schema, MARIADB)  # the table is rebuilt
    assert added is not None and (added.algorithm, added.concurrent) == ("INPLACE", False)


@pytest.mark.parametrize(
    "op, server, expected",
    [
        (o.RenameColumn("t", "b", "bb"), ("mariadb", (10, 4, 30)), None),  # no RENAME COLUMN before 10.5.2
        (o.RenameColumn("t", "b", "bb"), ("mariadb", (10, 5, 2)), "INSTANT"),
        (o.RenameColumn("t", "b", "bb"), ("mysql", (8, 0, 27)), "INPLACE"),
        (o.RenameColumn("t", "b", "bb"), ("mysql", (8, 0, 28)), "INSTANT"),
        (o.DropColumn("t", TABLE.column("b")), ("mariadb", (10, 3, 39)), "INPLACE"),
        (o.DropColumn("t", TABLE.column("b")), ("mysql", (8, 0, 28)), "INPLACE"),
        (o.DropColumn("t", TABLE.column("b")), ("mysql", (8, 0, 29)), "INSTANT"),
        (o.AddColumn("t", m.Column("z", "integer")), ("mariadb", (10, 3, 6)), None),  # before ALGORITHM=INSTANT
        (o.AddColumn("t", m.Column("z", "integer")), ("mariadb", (10, 3, 7)), "INSTANT"),
        (o.AddColumn("t", m.Column("z", "integer")), ("mysql", (8, 0, 11)), None),
        (o.AddColumn("t", m.Column("z", "integer")), ("mysql", (5, 7, 44)), None),
        (o.AddColumn("t", m.Column("z", "integer")), ("postgresql", (16, 0)), None),
        (o.AddColumn("t", m.Column("z", "integer")), None, None),
        (changed("b", type="varchar(60)"), MYSQL, "INPLACE"),  # 80 to 240 bytes: still 1 length byte
        (changed("b", type="varchar(100)"), MYSQL, None),  # MySQL has no under-128-bytes exception
        (changed("l", type="varchar(256)"), MYSQL, "COPY"),
        (changed("n", nullable=True), MYSQL, "INPLACE"),
        (changed("a", nullable=False), MYSQL, None),  # NOT NULL in place needs strict mode
        (changed("a", comment="x"), MYSQL, None),
        (o.AddConstraint("t", m.Check("a > 0", name="ck_a")), MYSQL, None),
        (o.DropConstraint("t", TABLE.checks[0]), MYSQL, None),
        (o.AlterTableComment("t", None, "rows"), MYSQL, None),
        (o.AddConstraint("t", m.ForeignKey(("q",), "parent", ("id",), name="fk_q")), MYSQL, "COPY"),
        (changed("d", type="enum('x','y','z')"), MYSQL, "INSTANT"),
    ],
    ids=lambda v: v.describe() if isinstance(v, o.Op) else repr(v),
)
def test_what_depends_on_the_server_and_its_version(op, server, expected):
    assert algorithm(op, SCHEMA, server) == expected


def test_values_that_need_more_bytes_copy_the_table():
    many = tuple(f"v{i}" for i in range(255))
    enum = m.Column("e", "enum(" + ",".join(f"'{v}'" for v in many) + ")")
    members = m.Column("s", "set(" + ",".join(f"'s{i}'" for i in range(8)) + ")")
    schema = m.Schema.of([m.Table("t", (enum, members))])
    wider = o.AlterColumn("t", enum, replace(enum, type="enum(" + ",".join(f"'{v}'" for v in many + ("v255",)) + ")"))
    more = o.AlterColumn("t", members, replace(members, type=members.type[:-1] + ",'s8')"))
    assert why_copy(wider, schema, MARIADB) == "adds values to t.e, which then takes more bytes in every row"
    assert algorithm(more, schema, MARIADB) == "COPY"


def test_why_a_copy_says_what_in_one_line():
    assert why_copy(changed("a", type="bigint"), SCHEMA, MARIADB) == "changes the type of t.a from integer to bigint"
    assert why_copy(changed("l", type="varchar(300)"), SCHEMA, MARIADB) == (
        "widens t.l from 200 to 300 characters past 255 bytes, which stores each value's length in 2 bytes instead of 1"
    )
    assert "foreign key fk_q" in (why_copy(o.AddConstraint("t", m.ForeignKey(("q",), "parent", ("id",), name="fk_q")),
                                           SCHEMA, MARIADB) or "")
    assert why_copy(changed("a", default="1"), SCHEMA, MARIADB) is None


def test_the_clause_each_algorithm_states():
    assert clause(changed("a", default="7"), SCHEMA, MARIADB) == "ALGORITHM=INSTANT"
    assert clause(o.AddColumn("t", m.Column("z", "integer")), SCHEMA, MARIADB) == "ALGORITHM=INPLACE, LOCK=NONE"
    assert clause(o.DropColumn("t", TABLE.column("b")), SCHEMA, MARIADB) == "ALGORITHM=INPLACE, LOCK=NONE"
    assert clause(o.CreateIndex("t", m.Index("ix_b", ("b",))), SCHEMA, MARIADB) == "ALGORITHM=INPLACE, LOCK=NONE"
    assert clause(changed("a", type="bigint"), SCHEMA, MARIADB) is None


# --- rendering -----------------------------------------------------------------------------


def sql(op: o.Op, server=MARIADB, dialect: str = "mariadb") -> list[str]:
    return [s.sql for s in render(op, dialect, SCHEMA, server)]


def test_statements_state_the_algorithm_for_a_known_server():
    assert sql(o.AddColumn("t", m.Column("z", "integer"))) == [  # instant, unless the table must be rebuilt
        "ALTER TABLE t ADD COLUMN z INTEGER, ALGORITHM=INPLACE, LOCK=NONE"
    ]
    assert sql(o.RenameColumn("t", "b", "bb")) == ["ALTER TABLE t RENAME COLUMN b TO bb, ALGORITHM=INSTANT"]
    assert sql(changed("b", type="varchar(100)")) == ["ALTER TABLE t MODIFY COLUMN b VARCHAR(100), ALGORITHM=INSTANT"]
    assert sql(o.CreateIndex("t", m.Index("ix_b", ("b",)))) == ["CREATE INDEX ix_b ON t (b) ALGORITHM=INPLACE LOCK=NONE"]
    assert sql(o.CreateIndex("t", m.Index("ft_b", ("b",), using="fulltext"))) == [
        "CREATE FULLTEXT INDEX ft_b ON t (b) ALGORITHM=INPLACE"
    ]
    assert sql(o.DropIndex("t", TABLE.indexes[0])) == ["ALTER TABLE t DROP INDEX ix_a, ALGORITHM=INPLACE, LOCK=NONE"]
    assert sql(o.AlterTableComment("t", None, "rows")) == ["ALTER TABLE t COMMENT = 'rows', ALGORITHM=INSTANT"]
    assert sql(o.AddColumn("t", m.Column("z", "integer")), server=MYSQL, dialect="mysql") == [
        "ALTER TABLE t ADD COLUMN z INTEGER"  # MySQL would rebuild for INPLACE, and refuse INSTANT where it must
    ]
    assert sql(changed("b", type="varchar(60)"), server=MYSQL, dialect="mysql") == [
        "ALTER TABLE t MODIFY COLUMN b VARCHAR(60), ALGORITHM=INPLACE, LOCK=NONE"
    ]


def test_a_table_copy_or_an_unsure_case_states_nothing():
    assert sql(changed("a", type="bigint")) == ["ALTER TABLE t MODIFY COLUMN a BIGINT"]
    assert sql(changed("w", type="varchar(64)")) == ["ALTER TABLE t MODIFY COLUMN w VARCHAR(64)"]
    assert sql(o.RenameTable("t", "u")) == ["RENAME TABLE t TO u"]


def test_without_a_server_statements_are_as_before():
    assert sql(o.AddColumn("t", m.Column("z", "integer")), server=None) == ["ALTER TABLE t ADD COLUMN z INTEGER"]
    assert sql(o.DropIndex("t", TABLE.indexes[0]), server=None) == ["DROP INDEX ix_a ON t"]
    assert sql(o.CreateIndex("t", m.Index("ix_b", ("b",))), server=None) == ["CREATE INDEX ix_b ON t (b)"]


def test_other_databases_ignore_the_server():
    assert [s.sql for s in render(o.AddColumn("t", m.Column("z", "integer")), "postgresql", SCHEMA, MARIADB)] == [
        "ALTER TABLE t ADD COLUMN z INTEGER"
    ]


def test_a_dialect_not_connected_has_no_server_version():
    assert server_version(dialect_for("mariadb")) is None
    assert server_version(dialect_for("postgresql")) is None
