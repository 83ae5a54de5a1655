"""MySQL/MariaDB reflection on a real server: every model value, exactly; a fixed number of queries.

The module gets its own database on the server at ``DBSHIFT_TEST_MYSQL``
(default ``root@127.0.0.1:3306``), dropped afterwards.  An unreachable server
skips the module locally and fails it under ``CI=true``.
"""

from __future__ import annotations

import os
import uuid
from typing import Iterator

import pytest
import sqlalchemy as sa

from dbshift.core.model import Check, Column, ForeignKey, Index, PrimaryKey, Schema, Table, Unique
from dbshift.sqla.from_metadata import from_metadata
from dbshift.sqla.normalize import equivalence_for
from dbshift.core.diff import diff
from dbshift.sqla.reflect import reflect

MYSQL_ADMIN_URL = os.environ.get("DBSHIFT_TEST_MYSQL", "mysql+pymysql://root@127.0.0.1:3306/test")
IN_CI = os.environ.get("CI", "").lower() == "true"


COLLATION = "utf8mb4_bin"  # the database's: reflection names every text column's collation


def _database() -> Iterator[str]:
    """A new, empty database (its URL), dropped when the generator closes."""
    admin = sa.create_engine(MYSQL_ADMIN_URL, poolclass=sa.pool.NullPool)
    name = f"dbshift_t_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE {COLLATION}")
    except sa.exc.OperationalError as exc:
        admin.dispose()
        where = sa.engine.make_url(MYSQL_ADMIN_URL).render_as_string()
        message = f"MySQL/MariaDB at {where} is not reachable: {str(exc.orig).splitlines()[0]}"
        if IN_CI:
            pytest.fail(message + " (CI=true: a missing database server is a failure, not a skip)")
        pytest.skip(message)
    try:
        yield sa.engine.make_url(MYSQL_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
        admin.dispose()


@pytest.fixture(scope="module")
def mysql_engine() -> Iterator[sa.Engine]:
    for url in _database():
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        try:
            yield engine
        finally:
            engine.dispose()


DDL = """
CREATE TABLE author (
    id int NOT NULL AUTO_INCREMENT,
    name varchar(50) NOT NULL COMMENT 'Full name',
    email varchar(100),
    bio text DEFAULT 'it''s none',
    nothing varchar(5) DEFAULT 'NULL',
    created datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,
    touched timestamp NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    PRIMARY KEY (id),
    CONSTRAINT uq_author_email UNIQUE (email),
    CONSTRAINT ck_author_name CHECK (length(name) > 0)
) COMMENT 'People who write';
CREATE INDEX ix_author_name ON author (name);
CREATE UNIQUE INDEX ix_author_name_email ON author (name, email);
CREATE INDEX ix_author_prefix ON author (name(10), email DESC);
CREATE FULLTEXT INDEX ix_author_bio ON author (bio);

CREATE TABLE everything (
    id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY,
    i int,
    ui int unsigned,
    ti tinyint,
    si smallint DEFAULT 1,
    mi mediumint,
    b bool DEFAULT true,
    s varchar(20) DEFAULT 'x',
    ch char(3),
    u char(32),
    t text,
    lt longtext,
    n decimal(10, 2) DEFAULT 0.00,
    nn decimal,
    f float,
    d double,
    r real,
    ts datetime,
    ts6 datetime(6),
    mts timestamp NULL,
    dt date DEFAULT (curdate()),
    tm time,
    yr year,
    j json,
    jd json DEFAULT '{}',
    bin blob,
    vb varbinary(16),
    mood enum('happy','Sad','it''s complicated') DEFAULT 'happy',
    flags set('a','b'),
    total int AS (i * 2) STORED,
    half int AS (i DIV 2) VIRTUAL,
    expr int DEFAULT (1 + 1)
);

CREATE TABLE book (
    author_id int NOT NULL,
    seq int NOT NULL,
    title varchar(200) NOT NULL,
    editor_id int DEFAULT 0,
    reviewer_id int,
    translator_id int,
    PRIMARY KEY (seq, author_id),
    CONSTRAINT fk_book_author FOREIGN KEY (author_id) REFERENCES author (id) ON DELETE CASCADE ON UPDATE RESTRICT,
    CONSTRAINT fk_book_editor FOREIGN KEY (editor_id) REFERENCES author (id) ON DELETE SET NULL ON UPDATE CASCADE,
    FOREIGN KEY (reviewer_id) REFERENCES author (id) ON DELETE NO ACTION,
    CONSTRAINT fk_book_translator FOREIGN KEY (translator_id) REFERENCES author (id),
    CONSTRAINT uq_book_title UNIQUE (author_id, title),
    CONSTRAINT ck_book_seq CHECK (seq > 0),
    CHECK (title <> '')
);
CREATE INDEX ix_book_translator ON book (translator_id, title);

CREATE TABLE `Mixed Case` (`Id` int PRIMARY KEY, `Value` varchar(10), positive int CHECK (positive > 0));
CREATE INDEX `Ix Mixed` ON `Mixed Case` (`Value`);

CREATE VIEW author_names AS SELECT name FROM author
"""


@pytest.fixture(scope="module")
def schema(mysql_engine: sa.Engine, execute_script) -> Schema:  # noqa: ANN001
    with mysql_engine.begin() as conn:
        execute_script(conn, DDL)
    with mysql_engine.connect() as conn:
        return reflect(conn)


def test_tables_are_all_base_tables_sorted(schema: Schema) -> None:
    assert [t.key for t in schema.tables] == ["Mixed Case", "author", "book", "everything"]
    assert schema.enums == () and schema.sequences == ()


def test_author(schema: Schema) -> None:
    assert schema.table("author") == Table(
        name="author",
        columns=(
            Column("id", "integer", nullable=False, autoincrement=True),
            Column("name", "varchar(50)", nullable=False, comment="Full name", collation=COLLATION),
            Column("email", "varchar(100)", collation=COLLATION),
            Column("bio", "text", default="'it\\'s none'", collation=COLLATION),
            Column("nothing", "varchar(5)", default="'NULL'", collation=COLLATION),
            Column("created", "timestamp", nullable=False, default="current_timestamp()"),
            Column("touched", "mysql_timestamp", default="current_timestamp() ON UPDATE current_timestamp()"),
        ),
        primary_key=PrimaryKey(("id",)),
        uniques=(Unique(("name", "email"), "ix_author_name_email"), Unique(("email",), "uq_author_email")),
        checks=(Check("octet_length(`name`) > 0", "ck_author_name"),),
        indexes=(
            Index("ix_author_bio", ("bio",), using="fulltext"),
            Index("ix_author_name", ("name",)),
            Index("ix_author_prefix", ("name(10)", "email DESC")),
        ),
        comment="People who write",
    )


def test_every_type_and_default(schema: Schema) -> None:
    columns = {c.name: c for c in schema.table("everything").columns}
    assert {name: c.type for name, c in columns.items()} == {
        "id": "bigint", "i": "integer", "ui": "integer unsigned", "ti": "tinyint", "si": "smallint",
        "mi": "mediumint", "b": "boolean", "s": "varchar(20)", "ch": "char(3)", "u": "char(32)", "t": "text",
        "lt": "longtext", "n": "numeric(10,2)", "nn": "numeric(10,0)", "f": "real", "d": "double", "r": "double",
        "ts": "timestamp", "ts6": "timestamp(6)", "mts": "mysql_timestamp", "dt": "date", "tm": "time",
        "yr": "year", "j": "json", "jd": "json", "bin": "blob", "vb": "varbinary(16)",
        "mood": "enum('happy','Sad','it''s complicated')", "flags": "set('a','b')",
        "total": "integer", "half": "integer", "expr": "integer",
    }
    assert {name: c.default for name, c in columns.items() if c.default is not None} == {
        "si": "1", "b": "1", "s": "'x'", "n": "0.00", "dt": "curdate()", "jd": "'{}'", "mood": "'happy'",
        "expr": "(1 + 1)",
    }
    assert columns["id"] == Column("id", "bigint", nullable=False, autoincrement=True)
    assert columns["total"] == Column("total", "integer", computed="`i` * 2")
    assert columns["half"] == Column("half", "integer", computed="`i` DIV 2", virtual=True)
    assert [c.name for c in columns.values() if not c.nullable] == ["id"]
    everything = schema.table("everything")
    assert everything.checks == ()  # JSON's json_valid() checks are the json type, not constraints
    assert everything.uniques == () and everything.indexes == ()


def test_book_keys_and_actions(schema: Schema) -> None:
    book = schema.table("book")
    assert book.primary_key == PrimaryKey(("seq", "author_id"))
    assert book.foreign_keys == (
        ForeignKey(("author_id",), "author", ("id",), "fk_book_author", on_delete="CASCADE"),
        ForeignKey(("editor_id",), "author", ("id",), "fk_book_editor", on_delete="SET NULL", on_update="CASCADE"),
        ForeignKey(("translator_id",), "author", ("id",), "fk_book_translator"),
        ForeignKey(("reviewer_id",), "author", ("id",)),  # book_ibfk_1: MariaDB's name, read as none
    )
    assert book.uniques == (Unique(("author_id", "title"), "uq_book_title"),)
    assert book.checks == (Check("`seq` > 0", "ck_book_seq"), Check("`title` <> ''"))  # and CONSTRAINT_1
    assert [(fk.server_name, fk.own_index) for fk in book.foreign_keys] == [
        (None, None),  # uq_book_title (author_id, title) serves fk_book_author
        (None, "fk_book_editor"),
        (None, None),  # served by ix_book_translator
        ("book_ibfk_1", "reviewer_id"),
    ]
    assert book.checks[1].server_name == "CONSTRAINT_1"
    # the indexes InnoDB made for fk_book_editor and book_ibfk_1 are the foreign keys' own (kept on each, to
    # drop with it); the explicit ix_book_translator serves fk_book_translator
    assert book.indexes == (Index("ix_book_translator", ("translator_id", "title")),)


def test_quoted_names_and_column_checks(schema: Schema) -> None:
    mixed = schema.table("Mixed Case")
    assert mixed.columns == (
        Column("Id", "integer", nullable=False),
        Column("Value", "varchar(10)", collation=COLLATION),
        Column("positive", "integer"),
    )
    assert mixed.checks == (Check("`positive` > 0"),)  # a column's own CHECK: MariaDB names it after the column
    assert mixed.checks[0].server_name == "positive"
    assert mixed.indexes == (Index("Ix Mixed", ("Value",)),)


def test_exclude_by_name(mysql_engine: sa.Engine, schema: Schema) -> None:
    with mysql_engine.connect() as conn:
        reflected = reflect(conn, exclude=("book", "Mixed Case"))
    assert [t.name for t in reflected.tables] == ["author", "everything"]


def test_other_database_by_name(mysql_engine: sa.Engine, schema: Schema) -> None:
    with mysql_engine.connect() as conn:
        current = conn.exec_driver_sql("SELECT DATABASE()").scalar()
        reflected = reflect(conn, schemas=(current,))
    assert {t.key for t in reflected.tables} == {f"{current}.{t.name}" for t in schema.tables}
    book = reflected.table(f"{current}.book")
    assert {fk.ref_schema for fk in book.foreign_keys} == {current}


def test_models_for_the_same_schema_match_it(mysql_engine: sa.Engine, schema: Schema) -> None:
    """SQLAlchemy models describing the DDL above: nothing to change."""
    md = sa.MetaData()
    sa.Table(
        "author", md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50), nullable=False, comment="Full name"),
        sa.Column("email", sa.String(100)),
        sa.Column("bio", sa.Text, server_default="it's none"),
        sa.Column("nothing", sa.String(5), server_default="NULL"),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("touched", sa.TIMESTAMP, server_default=sa.text("CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP")),
        sa.UniqueConstraint("email", name="uq_author_email"),
        sa.CheckConstraint("length(name) > 0", name="ck_author_name"),
        sa.Index("ix_author_name", "name"),
        sa.Index("ix_author_name_email", "name", "email", unique=True),
        sa.Index("ix_author_prefix", "name", sa.text("email DESC"), mysql_length={"name": 10}),
        sa.Index("ix_author_bio", "bio", mysql_prefix="FULLTEXT"),
        comment="People who write",
    )
    with mysql_engine.connect() as conn:
        database = reflect(conn, exclude=("book", "everything", "Mixed Case"))
    model = from_metadata(md, "mysql").with_objects(database.objects)  # models do not declare the view
    assert diff(database, model, equivalence_for("mysql")) == []


def _tables(n: int) -> str:
    """``n`` tables: a root, and tables with a foreign key, a unique, a check and two indexes each."""
    statements = ["CREATE TABLE root (id INTEGER PRIMARY KEY AUTO_INCREMENT, name VARCHAR(20))"]
    for i in range(n - 1):
        statements += [
            f"CREATE TABLE t{i} (id INTEGER PRIMARY KEY, root_id INTEGER REFERENCES root (id),"
            f" code VARCHAR(10) DEFAULT 'x', n INTEGER, doc JSON, CONSTRAINT t{i}_code UNIQUE (code),"
            f" CONSTRAINT t{i}_root FOREIGN KEY (root_id) REFERENCES root (id),"
            f" CONSTRAINT t{i}_n CHECK (n > 0))",
            f"CREATE INDEX ix_t{i}_n ON t{i} (n DESC)",
            f"CREATE INDEX ix_t{i}_code ON t{i} (code(3), n)",
        ]
    return ";\n".join(statements)


def test_query_count_does_not_grow(execute_script, query_counter) -> None:  # noqa: ANN001
    counts = {}
    for n in (5, 50):
        for url in _database():
            engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
            with engine.begin() as conn:
                execute_script(conn, _tables(n))
            with engine.connect() as conn:
                with query_counter(conn) as counter:
                    schema = reflect(conn)
                counts[n] = (counter.count, len(schema.tables))
            engine.dispose()
    assert counts == {5: (11, 5), 50: (11, 50)}  # tables in six queries, views, triggers, routines… in five
