"""Operation → SQL, per dialect."""

from __future__ import annotations

import pytest

from dbshift.core import ops as o
from dbshift.core.model import Column, Enum, ForeignKey, Index, PrimaryKey, Schema, Table, Unique
from dbshift.render import render

ID = Column("id", "integer", nullable=False, autoincrement=True)
USER = Table("user", (ID, Column("email", "varchar(200)", nullable=False)), PrimaryKey(("id",), "user_pkey"),
             uniques=(Unique(("email",), "user_email_key"),), indexes=(Index("ix_user_lower", ("lower(email)",)),))


def sql(op: o.Op, dialect: str, schema: Schema = Schema()) -> list[str]:
    return [" ".join(s.sql.split()) for s in render(op, dialect, schema)]


def test_create_table_postgresql_uses_serial_and_quotes_reserved_words():
    assert sql(o.CreateTable(USER), "postgresql") == [
        'CREATE TABLE "user" ( id SERIAL NOT NULL, email VARCHAR(200) NOT NULL, '
        'CONSTRAINT user_pkey PRIMARY KEY (id), CONSTRAINT user_email_key UNIQUE (email) )',
        'CREATE INDEX ix_user_lower ON "user" ((lower(email)))',
    ]


def test_create_table_sqlite():
    assert sql(o.CreateTable(USER), "sqlite")[0].startswith("CREATE TABLE user ( id INTEGER NOT NULL,")


@pytest.mark.parametrize("dialect", ["postgresql", "sqlite"])
def test_types_render_per_dialect(dialect):
    column = Column("at", "timestamptz", default="'2000-01-01'")
    out = sql(o.AddColumn("t", column), dialect)[0]
    expected = {
        "postgresql": "ALTER TABLE t ADD COLUMN at TIMESTAMP WITH TIME ZONE DEFAULT '2000-01-01'",
        "sqlite": "ALTER TABLE t ADD COLUMN at DATETIME DEFAULT '2000-01-01'",
    }[dialect]
    assert out == expected


def test_alter_column_postgresql_type_null_default():
    old = Column("n", "integer", default="0")
    new = Column("n", "bigint", nullable=False, default="1")
    assert sql(o.AlterColumn("t", old, new), "postgresql") == [
        "ALTER TABLE t ALTER COLUMN n DROP DEFAULT",  # the old default might not cast to the new type
        "ALTER TABLE t ALTER COLUMN n TYPE BIGINT USING n::BIGINT",
        "ALTER TABLE t ALTER COLUMN n SET DEFAULT 1",
        "ALTER TABLE t ALTER COLUMN n SET NOT NULL",
    ]


def rebuilt(statements: list[str]) -> list[str]:
    """The statements of a SQLite rebuild from the CREATE TABLE of the new table on (what comes before
    saves what the old table had, for the checks and the triggers; tests/roundtrip/test_sqlite_rebuilds.py)."""
    return statements[next(i for i, s in enumerate(statements) if s.startswith("CREATE TABLE _dbshift_new_")):]


def test_alter_column_sqlite_is_a_rebuild_keeping_rows_and_indexes():
    schema = Schema.of([USER])
    old = USER.column("email")
    statements = rebuilt(sql(o.AlterColumn("user", old, Column("email", "text", nullable=True)), "sqlite", schema))
    assert statements[0].startswith('CREATE TABLE _dbshift_new_user ( id INTEGER NOT NULL, email TEXT,')
    assert statements[1] == "INSERT INTO _dbshift_new_user (id, email) SELECT id, email FROM user"
    assert statements[2].startswith("SELECT had, kept FROM")  # the guard: every row copied
    assert statements[3:7] == [
        "DROP TABLE user", "PRAGMA legacy_alter_table = ON", "ALTER TABLE _dbshift_new_user RENAME TO user",
        "PRAGMA legacy_alter_table = OFF",
    ]
    assert statements[7] == "CREATE INDEX ix_user_lower ON user ((lower(email)))"


def test_sqlite_drop_column_in_place_only_when_nothing_depends_on_it():
    t = Table("t", (ID, Column("a", "integer"), Column("b", "integer")), PrimaryKey(("id",)),
              indexes=(Index("ix_t_b", ("b",)),))
    schema = Schema.of([t])
    assert sql(o.DropColumn("t", Column("a", "integer")), "sqlite", schema) == ["ALTER TABLE t DROP COLUMN a"]
    assert rebuilt(sql(o.DropColumn("t", Column("b", "integer")), "sqlite", schema))[0].startswith("CREATE TABLE _dbshift_new_t")


def test_foreign_key_constraint_sql():
    fk = ForeignKey(("author_id",), "author", ("id",), "book_author_fkey", on_delete="CASCADE", deferrable=True,
                    initially_deferred=True)
    assert sql(o.AddConstraint("book", fk), "postgresql") == [
        "ALTER TABLE book ADD CONSTRAINT book_author_fkey FOREIGN KEY (author_id) REFERENCES author (id) "
        "ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED"
    ]


def test_enum_values_added_outside_a_transaction():
    op = o.AlterEnum(Enum("mood", ("happy", "sad")), Enum("mood", ("happy", "meh", "sad", "angry")))
    statements = render(op, "postgresql", Schema())
    assert [(s.sql, s.transactional) for s in statements] == [
        ("ALTER TYPE mood ADD VALUE IF NOT EXISTS 'meh' BEFORE 'sad'", False),
        ("ALTER TYPE mood ADD VALUE IF NOT EXISTS 'angry'", False),
    ]


def test_enum_value_removal_rebuilds_the_type_and_converts_columns():
    t = Table("p", (ID, Column("mood", "enum:mood('happy','sad')")), PrimaryKey(("id",)))
    op = o.AlterEnum(Enum("mood", ("happy", "sad")), Enum("mood", ("happy",)))
    statements = sql(op, "postgresql", Schema.of([t], [Enum("mood", ("happy", "sad"))]))
    assert statements[0].startswith("DO $$") and "rows in p.mood still hold them" in statements[0]
    assert statements[1] == "ALTER TYPE mood RENAME TO mood__old"
    assert statements[2] == "CREATE TYPE mood AS ENUM ('happy')"
    assert statements[3] == "ALTER TABLE p ALTER COLUMN mood TYPE mood USING (mood::text)::mood"
    assert statements[-1] == "DROP TYPE mood__old"


def test_run_sql_splits_statements_and_flags_concurrent_index():
    op = o.RunSQL("UPDATE t SET a = ';'; CREATE INDEX CONCURRENTLY ix ON t (a);")
    statements = render(op, "postgresql", Schema())
    assert [s.transactional for s in statements] == [True, False]
    assert statements[0].sql == "UPDATE t SET a = ';'"


def test_sqlite_add_column_with_non_constant_default_is_a_rebuild():
    t = Table("t", (ID,), PrimaryKey(("id",)))
    statements = rebuilt(sql(o.AddColumn("t", Column("at", "timestamp", default="CURRENT_TIMESTAMP")), "sqlite", Schema.of([t])))
    assert statements[0].startswith("CREATE TABLE _dbshift_new_t ( id INTEGER NOT NULL, at DATETIME DEFAULT CURRENT_TIMESTAMP")
