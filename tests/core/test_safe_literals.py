"""The literal spellings that read the same under every server setting, and the renderers that use them."""

from __future__ import annotations

import pytest

from dbshift.core import ops as o
from dbshift.core.model import Column, Enum, PrimaryKey, Schema, Table
from dbshift.core.types import (
    CommentNotWritable, mysql_enum_literal, mysql_literal, mysql_plain_literals, mysql_safe_literals, pg_literal,
    neutral_value, pg_safe_literals, pg_standard_literals, safe_literals,
)
from dbshift.render import render


def test_postgresql_writes_a_backslash_only_in_an_escape_string():
    assert pg_literal("it's") == "'it''s'"
    assert pg_literal("a\\b") == "E'a\\\\b'"
    assert pg_literal("\\'; DROP TABLE x; --") == "E'\\\\''; DROP TABLE x; --'"  # no \' anywhere: never unbalanced


def test_mysql_writes_a_backslash_only_in_hexadecimal():
    assert mysql_literal("it's") == "'it''s'"
    assert mysql_literal("a\\b") == "CONVERT(X'615c62' USING utf8mb4)"
    assert mysql_enum_literal("a\\b") == "X'615c62'"
    assert mysql_literal("nul\0") == "CONVERT(X'6e756c00' USING utf8mb4)"


def test_standard_literals_in_sqlalchemy_text_become_safe_and_fold_back():
    text = "a = 'x\\y' AND \"q'\\\" = 1 AND b = $$ 'c\\' $$ AND d = E'z\\\\' AND e = 'ok' -- it's \\"
    assert pg_safe_literals(text) == (
        "a = E'x\\\\y' AND \"q'\\\" = 1 AND b = $$ 'c\\' $$ AND d = E'z\\\\' AND e = 'ok' -- it's \\"
    )
    assert pg_standard_literals("E'a\\\\b''c\\n' || e'\\x41\\101\\u0041'") == "'a\\b''c\n' || 'AAA'"
    assert pg_standard_literals(pg_safe_literals("x <> 'p\\q'")) == "x <> 'p\\q'"
    # SQLAlchemy writes MySQL literals with backslash escapes
    assert mysql_safe_literals("a <> 'x\\\\y' AND `c'\\` = 'it''s'") == (
        "a <> CONVERT(X'785c79' USING utf8mb4) AND `c'\\` = 'it''s'"
    )
    assert safe_literals("mysql", "'a\\\\b'") == "CONVERT(X'615c62' USING utf8mb4)"
    # and back, as MySQL reports such a value (for comparing)
    hexadecimal = "CONVERT(X'615c62' USING utf8mb4) || x'27' || X'ff'"
    assert mysql_plain_literals(hexadecimal) == "'a\\\\b' || '''' || X'ff'"
    assert safe_literals("sqlite", "'a\\b'") == "'a\\b'"


def test_renderers_write_comments_and_enum_values_safely():
    table = Table("t", (Column("id", "integer", nullable=False, comment="C:\\temp"),), PrimaryKey(("id",)),
                  comment="it's")
    pg = [s.sql for s in render(o.CreateTable(table), "postgresql", Schema())]
    assert pg[-2:] == ["COMMENT ON TABLE t IS 'it''s'", "COMMENT ON COLUMN t.id IS E'C:\\\\temp'"]
    enum = [s.sql for s in render(o.CreateEnum(Enum("mood", ("a\\b", "it's"))), "postgresql", Schema())]
    assert enum == ["CREATE TYPE mood AS ENUM (E'a\\\\b', 'it''s')"]
    with pytest.raises(CommentNotWritable) as refused:
        render(o.CreateTable(table), "mariadb", Schema())
    assert str(refused.value).startswith("the comment of t.id ('C:\\\\temp') holds a backslash, which mariadb")
    column = Column("mood", "enum('a\\b','x')", default="CONVERT(X'615c62' USING utf8mb4)")
    mysql = render(o.AddColumn("t", column), "mysql", Schema())
    assert mysql[0].sql == "ALTER TABLE t ADD COLUMN mood ENUM(X'615c62', 'x') DEFAULT (CONVERT(X'615c62' USING utf8mb4))"


def test_a_dollar_quoted_body_gets_a_tag_its_contents_do_not_hold():
    users = Table("t", (Column("m", "enum:mood('a','b$$c')"),))
    op = o.AlterEnum(Enum("mood", ("a", "b$$c")), Enum("mood", ("a",)))
    sql = [s.sql for s in render(op, "postgresql", Schema.of([users], [Enum("mood", ("a", "b$$c"))]))]
    assert sql[0].startswith("DO $dbshift1$BEGIN") and sql[0].endswith("END$dbshift1$")


def test_an_enum_whose_first_value_holds_a_backslash_has_no_neutral_value():
    """The neutral value fills rows on any dialect: a backslash has no spelling every dialect reads alike."""
    assert neutral_value("enum:mood('ok','sad')") == "'ok'"
    assert neutral_value("enum:mood('a\\b','sad')") is None
