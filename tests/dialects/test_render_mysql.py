"""Operation → SQL on MySQL and MariaDB (``mysql://`` and ``mariadb://`` connections render alike)."""

from __future__ import annotations

import pytest

from dbshift.core import ops as o
from dbshift.core.model import Check, Column, Enum, ForeignKey, Index, PrimaryKey, Schema, Sequence, Table, Unique
from dbshift.render import UnsupportedOperation, render

ID = Column("id", "integer", nullable=False, autoincrement=True)
USER = Table(
    "user",
    (ID, Column("email", "varchar(200)", nullable=False, comment="it's here"), Column("age", "integer")),
    PrimaryKey(("id",)),
    uniques=(Unique(("email",), "user_email_key"),),
    checks=(Check("age >= 0", "ck_user_age"),),
    indexes=(Index("ix_user_age", ("age", "email(10)", "id DESC")),),
    comment="People",
)
BOOK = Table(
    "book",
    (ID, Column("author_id", "integer", nullable=False), Column("title", "varchar(100)")),
    PrimaryKey(("id",)),
    foreign_keys=(ForeignKey(("author_id",), "user", ("id",), "fk_book_author", on_delete="CASCADE"),),
    indexes=(Index("ix_book_author", ("author_id", "title")),),
)
DIALECTS = ["mysql", "mariadb"]


def sql(op: o.Op, dialect: str = "mysql", schema: Schema = Schema()) -> list[str]:
    return [" ".join(s.sql.split()) for s in render(op, dialect, schema)]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_create_table_inline_comments_auto_increment_and_keys(dialect):
    assert sql(o.CreateTable(USER), dialect) == [
        "CREATE TABLE user ( id INTEGER NOT NULL AUTO_INCREMENT, "
        "email VARCHAR(200) NOT NULL COMMENT 'it''s here', age INTEGER, "
        "PRIMARY KEY (id), CONSTRAINT user_email_key UNIQUE (email), CONSTRAINT ck_user_age CHECK (age >= 0), "
        "INDEX ix_user_age (age, email(10), id DESC) ) COMMENT = 'People'",
    ]


def test_names_are_quoted_with_backticks():
    t = Table("order", (Column("select", "integer"), Column("Mixed Case", "text")))
    assert sql(o.CreateTable(t)) == ["CREATE TABLE `order` ( `select` INTEGER, `Mixed Case` TEXT )"]


@pytest.mark.parametrize(
    "type_string, expected",
    [
        ("boolean", "BOOL"), ("timestamp", "DATETIME"), ("timestamptz", "DATETIME"), ("timestamp(6)", "DATETIME(6)"),
        ("mysql_timestamp", "TIMESTAMP NULL"), ("double", "DOUBLE"), ("real", "FLOAT"), ("blob", "BLOB"),
        ("json", "JSON"), ("uuid", "CHAR(32)"), ("text", "TEXT"), ("varchar", "VARCHAR(255)"),
        ("numeric(10,2)", "DECIMAL(10, 2)"), ("numeric", "DECIMAL"), ("enum('a','it''s')", "ENUM('a', 'it''s')"),
        ("enum:mood('happy','sad')", "ENUM('happy', 'sad')"), ("longtext", "longtext"),
        ("integer unsigned", "integer unsigned"), ("timetz", "TIME"), ("interval", "DATETIME"),
    ],
)
def test_types(type_string, expected):
    assert sql(o.AddColumn("t", Column("c", type_string))) == [f"ALTER TABLE t ADD COLUMN c {expected}"]


@pytest.mark.parametrize(
    "default, expected",
    [
        ("'x'", "DEFAULT 'x'"), ("0", "DEFAULT 0"), ("true", "DEFAULT true"), ("now()", "DEFAULT now()"),
        ("CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP", "DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP"),
        ("curdate()", "DEFAULT (curdate())"), ("(1 + 1)", "DEFAULT (1 + 1)"), ("NULL", "DEFAULT NULL"),
    ],
)
def test_defaults_that_are_expressions_get_parentheses(default, expected):
    column = Column("c", "integer", nullable=False, default=default)
    assert sql(o.AddColumn("t", column)) == [f"ALTER TABLE t ADD COLUMN c INTEGER NOT NULL {expected}"]


def test_generated_column():
    column = Column("total", "integer", computed="price * qty")
    assert sql(o.AddColumn("t", column)) == ["ALTER TABLE t ADD COLUMN total INTEGER GENERATED ALWAYS AS (price * qty) STORED"]


def test_alter_column_is_one_modify_with_the_whole_new_definition():
    old = Column("n", "integer", default="0")
    new = Column("n", "bigint", nullable=False, default="1", comment="count")
    assert sql(o.AlterColumn("t", old, new)) == [
        "ALTER TABLE t MODIFY COLUMN n BIGINT NOT NULL DEFAULT 1 COMMENT 'count'"
    ]


def test_enum_values_change_with_modify():
    old = Column("mood", "enum('happy','sad')", nullable=False, default="'happy'")
    new = Column("mood", "enum('happy','sad','meh')", nullable=False, default="'happy'")
    assert sql(o.AlterColumn("p", old, new)) == [
        "ALTER TABLE p MODIFY COLUMN mood ENUM('happy', 'sad', 'meh') NOT NULL DEFAULT 'happy'"
    ]


def test_making_a_column_generated_drops_and_adds_it():
    old = Column("total", "integer")
    new = Column("total", "integer", computed="a + b")
    assert sql(o.AlterColumn("t", old, new)) == [
        "ALTER TABLE t DROP COLUMN total",
        "ALTER TABLE t ADD COLUMN total INTEGER GENERATED ALWAYS AS (a + b) STORED",
    ]


def test_renames_and_comments():
    assert sql(o.RenameColumn("t", "a", "b")) == ["ALTER TABLE t RENAME COLUMN a TO b"]
    assert sql(o.RenameTable("t", "u")) == ["RENAME TABLE t TO u"]
    assert sql(o.AlterTableComment("t", None, "it's")) == ["ALTER TABLE t COMMENT = 'it''s'"]
    assert sql(o.AlterTableComment("t", "x", None)) == ["ALTER TABLE t COMMENT = ''"]


def test_constraints_are_dropped_by_kind():
    schema = Schema.of([USER])
    # the auto-increment id loses its only key: AUTO_INCREMENT goes in the same statement
    assert sql(o.DropConstraint("user", USER.primary_key), schema=schema) == [
        "ALTER TABLE user MODIFY COLUMN id INTEGER NOT NULL, DROP PRIMARY KEY"
    ]
    assert sql(o.DropConstraint("user", USER.uniques[0]), schema=schema) == ["ALTER TABLE user DROP INDEX user_email_key"]
    assert sql(o.DropConstraint("user", USER.checks[0]), schema=schema) == ["ALTER TABLE user DROP CONSTRAINT ck_user_age"]
    assert sql(o.DropIndex("user", USER.indexes[0]), schema=schema) == ["DROP INDEX ix_user_age ON user"]
    assert sql(o.AddConstraint("user", PrimaryKey(("id",), "user_pkey"))) == ["ALTER TABLE user ADD PRIMARY KEY (id)"]


def test_foreign_keys_drop_their_implicit_index_and_never_lose_their_index():
    fk = BOOK.foreign_keys[0]
    assert sql(o.AddConstraint("book", fk)) == [
        "ALTER TABLE book ADD CONSTRAINT fk_book_author FOREIGN KEY (author_id) REFERENCES user (id) ON DELETE CASCADE"
    ]
    # ix_book_author serves the foreign key, so InnoDB made no index of its own
    assert sql(o.DropConstraint("book", fk), schema=Schema.of([BOOK])) == ["ALTER TABLE book DROP FOREIGN KEY fk_book_author"]
    # dropping ix_book_author would leave the foreign key without an index: InnoDB's own takes its place
    assert sql(o.DropIndex("book", BOOK.indexes[0]), schema=Schema.of([BOOK])) == [
        "ALTER TABLE book DROP INDEX ix_book_author, ADD INDEX fk_book_author (author_id)"
    ]
    # without ix_book_author, the foreign key has InnoDB's index, which goes with it
    bare = Table("book", BOOK.columns, BOOK.primary_key, BOOK.foreign_keys)
    assert sql(o.DropConstraint("book", fk), schema=Schema.of([bare])) == [
        "ALTER TABLE book DROP FOREIGN KEY fk_book_author",
        "DROP INDEX fk_book_author ON book",
    ]
    unnamed = ForeignKey(("author_id",), "user", ("id",), "book_ibfk_1")
    auto = Table("book", BOOK.columns, BOOK.primary_key, (unnamed,))
    assert sql(o.DropConstraint("book", unnamed), schema=Schema.of([auto]))[1] == "DROP INDEX author_id ON book"


def test_a_new_key_takes_over_from_the_foreign_keys_own_index():
    bare = Table("book", BOOK.columns, BOOK.primary_key, BOOK.foreign_keys)
    schema = Schema.of([bare])
    # the index InnoDB made for fk_book_author (or the one dbshift put in place of a dropped
    # index, which InnoDB would keep) goes in the statement that adds a key able to serve
    assert sql(o.CreateIndex("book", BOOK.indexes[0]), schema=schema) == [
        "ALTER TABLE book ADD INDEX ix_book_author (author_id, title), DROP INDEX fk_book_author"
    ]
    unique = Unique(("author_id", "title"), "uq_book")
    assert sql(o.AddConstraint("book", unique), schema=schema) == [
        "ALTER TABLE book ADD CONSTRAINT uq_book UNIQUE (author_id, title), DROP INDEX fk_book_author"
    ]
    # a key on other columns, or one the foreign key already has: nothing to take over
    assert sql(o.CreateIndex("book", Index("ix_title", ("title",))), schema=schema) == ["CREATE INDEX ix_title ON book (title)"]
    assert sql(o.CreateIndex("book", Index("ix_2", ("author_id",))), schema=Schema.of([BOOK])) == [
        "CREATE INDEX ix_2 ON book (author_id)"
    ]
    # in a new table, indexes are inline, so InnoDB never makes one of its own
    assert sql(o.CreateTable(BOOK))[0].endswith(
        "CONSTRAINT fk_book_author FOREIGN KEY (author_id) REFERENCES user (id) ON DELETE CASCADE, "
        "INDEX ix_book_author (author_id, title) )"
    )


def test_deferrable_is_left_out():
    fk = ForeignKey(("a",), "t", ("id",), "fk_a", deferrable=True, initially_deferred=True)
    assert sql(o.AddConstraint("u", fk)) == ["ALTER TABLE u ADD CONSTRAINT fk_a FOREIGN KEY (a) REFERENCES t (id)"]


def test_fulltext_and_unique_indexes():
    assert sql(o.CreateIndex("t", Index("ix_t_doc", ("doc",), using="fulltext"))) == ["CREATE FULLTEXT INDEX ix_t_doc ON t (doc)"]
    assert sql(o.CreateIndex("t", Index("ix_t_a", ("a",), unique=True))) == ["CREATE UNIQUE INDEX ix_t_a ON t (a)"]


@pytest.mark.parametrize(
    "index, message",
    [
        (Index("ix_lower", ("lower(email)",)), r"expression lower\(email\); MariaDB has no expression indexes"),
        (Index("ix_part", ("email",), where="age > 0"), r"partial \(WHERE age > 0\)"),
        (Index("ix_gin", ("doc",), using="gin"), r"uses gin"),
    ],
)
def test_what_mysql_cannot_index_is_refused_clearly(index, message):
    with pytest.raises(UnsupportedOperation, match=r"cannot create index .* on mysql: .*" + message):
        render(o.CreateIndex("t", index), "mysql", Schema())


def test_enum_types_render_nothing_but_sequences_are_refused():
    """An enum type is carried by the columns (a change of its values changes them: test_render_enum_values.py);
    a sequence would be lost, so it is refused."""
    mood = Enum("mood", ("happy", "sad"))
    for op in (o.CreateEnum(mood), o.DropEnum(mood), o.DropSequence(Sequence("s"))):
        assert sql(op) == []
    with pytest.raises(UnsupportedOperation, match="on mysql: "):
        sql(o.CreateSequence(Sequence("s")))


def test_run_sql_is_split():
    assert sql(o.RunSQL("UPDATE t SET a = ';'; DELETE FROM t")) == ["UPDATE t SET a = ';'", "DELETE FROM t"]
