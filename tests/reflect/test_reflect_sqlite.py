"""SQLite reflection on a real database file: every model value, exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from dbshift.core.model import Check, Column, ForeignKey, Index, PrimaryKey, Schema, Table, Unique
from dbshift.sqla.reflect import reflect

DDL = """
CREATE TABLE author (
    id INTEGER PRIMARY KEY,
    name VARCHAR(50) NOT NULL,
    email TEXT,
    bio TEXT DEFAULT 'none',
    created DATETIME DEFAULT CURRENT_TIMESTAMP NOT NULL,
    CONSTRAINT uq_author_email UNIQUE (email),
    CONSTRAINT ck_author_name CHECK (length(name) > 0)
);
CREATE INDEX ix_author_lower_name ON author (lower(name));
CREATE UNIQUE INDEX ix_author_email_active ON author (email) WHERE bio IS NOT NULL;
CREATE INDEX ix_author_mixed ON author (name, lower(email) DESC);

CREATE TABLE everything (
    id BIGINT PRIMARY KEY,
    i INT,
    si SMALLINT DEFAULT 1,
    b BOOLEAN DEFAULT 1,
    s VARCHAR(20),
    ch CHAR(3),
    n NUMERIC(10, 2) DEFAULT 0.5,
    f FLOAT,
    d DOUBLE PRECISION,
    ts TIMESTAMP,
    dt DATE,
    bl BLOB,
    j JSON,
    untyped,
    e VARCHAR(5) CHECK (e IN ('a', 'b(c')) DEFAULT ('a')
);

CREATE TABLE book (
    author_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    title TEXT NOT NULL,
    editor_id INTEGER DEFAULT 0 REFERENCES author ON DELETE SET DEFAULT,
    reviewer_id INTEGER CONSTRAINT fk_book_reviewer REFERENCES author (id)
        ON DELETE SET NULL ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED,
    -- a comment that says CHECK (nothing), CONSTRAINT x UNIQUE (y)
    CONSTRAINT book_pk PRIMARY KEY (seq, author_id),
    CONSTRAINT fk_book_author FOREIGN KEY (author_id) REFERENCES author (id) ON DELETE CASCADE ON UPDATE RESTRICT,
    UNIQUE (author_id, title),
    CONSTRAINT ck_book_seq CHECK (seq > 0),
    CHECK (title <> 'a (tricky), string'),
    CONSTRAINT "ck quoted" CHECK ("seq" < 1000)
);
CREATE INDEX ix_book_desc ON book (author_id DESC, seq);

CREATE TABLE chapter (
    author_id INTEGER,
    book_seq INTEGER,
    n INTEGER,
    FOREIGN KEY (book_seq, author_id) REFERENCES book DEFERRABLE
);

CREATE TABLE gen (
    a INTEGER NOT NULL,
    b INTEGER NOT NULL,
    total INTEGER GENERATED ALWAYS AS (a * b) STORED,
    label TEXT AS (printf('%d,%d', a, b)) VIRTUAL
);

CREATE TABLE "Mixed Case" ("Id" INTEGER PRIMARY KEY, "Value" TEXT);
CREATE INDEX "Ix Mixed" ON "Mixed Case" ("Value", lower("Value"));

CREATE TABLE wr (id INTEGER PRIMARY KEY, v TEXT) WITHOUT ROWID;
CREATE TABLE named_pk (k INT CONSTRAINT pk_named PRIMARY KEY, counter INTEGER);
CREATE TABLE seqd (id INTEGER PRIMARY KEY AUTOINCREMENT, x int);
CREATE TABLE dbshift_history (revision VARCHAR(64) PRIMARY KEY);
CREATE VIEW author_names AS SELECT name FROM author
"""

AUX = """
CREATE TABLE aux.note (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES note (id) ON DELETE CASCADE);
CREATE INDEX aux.ix_note_parent ON note (parent_id)
"""


@pytest.fixture(scope="module")
def conn(sqlite_engine: sa.Engine, tmp_path_factory: pytest.TempPathFactory, execute_script):  # noqa: ANN001
    aux = tmp_path_factory.mktemp("aux") / "aux.db"
    with sqlite_engine.connect() as conn:
        execute_script(conn, DDL)
        conn.exec_driver_sql(f"ATTACH DATABASE '{aux}' AS aux")
        execute_script(conn, AUX)
        conn.commit()
        yield conn


@pytest.fixture(scope="module")
def schema(conn: sa.Connection) -> Schema:
    return reflect(conn)


def test_tables_listed(schema: Schema) -> None:
    # no view, no sqlite_sequence, no excluded history table, nothing from the attached database
    assert [t.key for t in schema.tables] == [
        "Mixed Case", "author", "book", "chapter", "everything", "gen", "named_pk", "seqd", "wr",
    ]
    assert schema.enums == () and schema.sequences == ()


def test_author(schema: Schema) -> None:
    assert schema.table("author") == Table(
        name="author",
        columns=(
            Column("id", "integer", nullable=False, autoincrement=True),
            Column("name", "varchar(50)", nullable=False),
            Column("email", "text"),
            Column("bio", "text", default="'none'"),
            Column("created", "timestamp", nullable=False, default="CURRENT_TIMESTAMP"),
        ),
        primary_key=PrimaryKey(("id",)),
        uniques=(Unique(("email",), "uq_author_email"),),
        checks=(Check("length(name) > 0", "ck_author_name"),),
        indexes=(
            Index("ix_author_email_active", ("email",), unique=True, where="bio IS NOT NULL"),
            Index("ix_author_lower_name", ("lower(name)",)),
            Index("ix_author_mixed", ("name", "lower(email) DESC")),
        ),
    )


def test_types_and_defaults(schema: Schema) -> None:
    t = schema.table("everything")
    assert t.columns == (
        Column("id", "bigint", nullable=False),  # not INTEGER: no rowid alias
        Column("i", "integer"),
        Column("si", "smallint", default="1"),
        Column("b", "boolean", default="1"),
        Column("s", "varchar(20)"),
        Column("ch", "char(3)"),
        Column("n", "numeric(10,2)", default="0.5"),
        Column("f", "double"),
        Column("d", "double"),
        Column("ts", "timestamp"),
        Column("dt", "date"),
        Column("bl", "blob"),
        Column("j", "json"),
        Column("untyped", ""),
        Column("e", "varchar(5)", default="'a'"),
    )
    assert t.checks == (Check("e IN ('a', 'b(c')"),)


def test_composite_key_foreign_keys_uniques_checks(schema: Schema) -> None:
    t = schema.table("book")
    assert t.primary_key == PrimaryKey(("seq", "author_id"), "book_pk")
    assert all(not t.column(c).nullable for c in ("seq", "author_id"))
    assert t.foreign_keys == (
        ForeignKey(("author_id",), "author", ("id",), "fk_book_author", on_delete="CASCADE", on_update="RESTRICT"),
        ForeignKey(
            ("reviewer_id",), "author", ("id",), "fk_book_reviewer",
            on_delete="SET NULL", on_update="CASCADE", deferrable=True, initially_deferred=True,
        ),
        # REFERENCES author without columns: author's primary key
        ForeignKey(("editor_id",), "author", ("id",), on_delete="SET DEFAULT"),
    )
    assert t.uniques == (Unique(("author_id", "title")),)
    assert t.checks == (
        Check('"seq" < 1000', "ck quoted"),
        Check("seq > 0", "ck_book_seq"),
        Check("title <> 'a (tricky), string'"),
    )
    assert t.indexes == (Index("ix_book_desc", ("author_id DESC", "seq")),)
    assert t.column("editor_id").default == "0"


def test_composite_foreign_key_to_implicit_primary_key(schema: Schema) -> None:
    assert schema.table("chapter").foreign_keys == (
        ForeignKey(("book_seq", "author_id"), "book", ("seq", "author_id"), deferrable=True),
    )
    assert schema.table("chapter").primary_key is None


def test_generated_columns(schema: Schema) -> None:
    assert schema.table("gen").columns == (
        Column("a", "integer", nullable=False),
        Column("b", "integer", nullable=False),
        Column("total", "integer", computed="a * b"),
        Column("label", "text", computed="printf('%d,%d', a, b)", virtual=True),
    )


def test_quoted_names(schema: Schema) -> None:
    t = schema.table("Mixed Case")
    assert t.columns == (Column("Id", "integer", nullable=False, autoincrement=True), Column("Value", "text"))
    assert t.primary_key == PrimaryKey(("Id",))
    assert t.indexes == (Index("Ix Mixed", ("Value", 'lower("Value")')),)


def test_rowid_alias_only_for_integer_primary_key(schema: Schema) -> None:
    assert schema.table("wr").column("id") == Column("id", "integer", nullable=False)  # WITHOUT ROWID
    assert schema.table("named_pk").column("k") == Column("k", "integer", nullable=False)  # INT, not INTEGER
    assert schema.table("named_pk").primary_key == PrimaryKey(("k",), "pk_named")
    assert schema.table("seqd").column("id") == Column("id", "integer", nullable=False, autoincrement=True)


def test_attached_schema(conn: sa.Connection, schema: Schema) -> None:
    both = reflect(conn, schemas=(None, "aux"))
    assert both.tables == tuple(sorted(schema.tables + (both.table("aux.note"),), key=lambda t: t.key))
    assert both.table("aux.note") == Table(
        name="note",
        schema="aux",
        columns=(Column("id", "integer", nullable=False, autoincrement=True), Column("parent_id", "integer")),
        primary_key=PrimaryKey(("id",)),
        foreign_keys=(ForeignKey(("parent_id",), "note", ("id",), ref_schema="aux", on_delete="CASCADE"),),
        indexes=(Index("ix_note_parent", ("parent_id",)),),
    )
    assert reflect(conn, schemas=("main",)) == schema


def test_exclude(conn: sa.Connection, schema: Schema) -> None:
    reflected = reflect(conn, exclude=("dbshift_history", "book", "gen"))
    assert [t.key for t in reflected.tables] == [t.key for t in schema.tables if t.key not in ("book", "gen")]
    # a foreign key to an excluded table still resolves its implicit columns
    assert reflected.table("chapter").foreign_keys[0].ref_columns == ("seq", "author_id")
    assert reflect(conn, exclude=()).has_table("dbshift_history")


def test_fresh_connection_sees_the_same(sqlite_engine: sa.Engine, schema: Schema, conn: sa.Connection) -> None:
    with sqlite_engine.connect() as other:
        assert reflect(other) == schema


def test_empty_database(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with engine.connect() as conn:
        assert reflect(conn) == Schema()
    engine.dispose()
