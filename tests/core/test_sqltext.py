"""SQL text helpers: parentheses and commas read as a database reads them, quotes respected."""

from __future__ import annotations

from dbshift.core.sqltext import closing_paren, split_sql, split_top_level, strip_outer_parens


def test_closing_paren_skips_quoted_parentheses() -> None:
    text = "(a = ')' AND (b > 0)) rest"
    assert closing_paren(text, 0) == text.index(" rest") - 1
    assert closing_paren(text, text.index("(b")) == text.index("0)") + 1
    assert closing_paren("(unclosed", 0) is None


def test_strip_outer_parens_only_when_they_enclose_everything() -> None:
    assert strip_outer_parens(" (a > 0) ") == "a > 0"
    assert strip_outer_parens("((a > 0))") == "(a > 0)"
    assert strip_outer_parens("((a > 0))", every=True) == "a > 0"
    assert strip_outer_parens("(a) AND (b)") == "(a) AND (b)"
    assert strip_outer_parens("(x = 'it''s)')") == "x = 'it''s)'"


def test_split_top_level_keeps_nested_and_quoted_commas() -> None:
    assert split_top_level("a, f(b, c), 'd,e' , ") == ["a", "f(b, c)", "'d,e'"]


def test_split_sql_on_top_level_semicolons_not_in_quotes_or_comments() -> None:
    assert split_sql("CREATE TABLE t (x text DEFAULT ';');\n-- a comment; still\nDROP TABLE u;\n-- end;") == [
        "CREATE TABLE t (x text DEFAULT ';')", "-- a comment; still\nDROP TABLE u",
    ]
