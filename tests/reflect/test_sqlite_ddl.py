"""The reader of SQLite's stored CREATE TABLE / CREATE INDEX text (pure text, no database)."""

from __future__ import annotations

from dbshift.sqla.reflect._sqlite_ddl import ParsedForeignKey, parse_create_index, parse_create_table, tokenize


def test_checks_with_quotes_parentheses_and_comments() -> None:
    parsed = parse_create_table(
        '''CREATE TABLE IF NOT EXISTS main."t(1)" (
            [a b] TEXT CONSTRAINT ck_a CHECK ([a b] <> ')' AND length(`a b`) < 3) NOT NULL,
            c INT DEFAULT (abs(-1)) CHECK (c > 0), -- CHECK (ignored) /* still a comment
            /* CONSTRAINT no CHECK (nope) */
            CONSTRAINT "ck ""q""" CHECK (c <> 'it''s (odd)')
        )'''
    )
    assert parsed.checks == [
        ("ck_a", "[a b] <> ')' AND length(`a b`) < 3"),
        (None, "c > 0"),
        ('ck "q"', "c <> 'it''s (odd)'"),
    ]
    assert parsed.primary_key_name is None and parsed.uniques == [] and parsed.foreign_keys == []


def test_constraint_names_and_deferrability() -> None:
    parsed = parse_create_table(
        """CREATE TABLE t (
            id INTEGER CONSTRAINT t_pk PRIMARY KEY ON CONFLICT ABORT,
            u TEXT CONSTRAINT u_one UNIQUE,
            r INTEGER REFERENCES other ON DELETE SET NULL MATCH SIMPLE NOT DEFERRABLE,
            s INTEGER CONSTRAINT fk_s REFERENCES "Other" ("Id") DEFERRABLE INITIALLY IMMEDIATE,
            CONSTRAINT uq_pair UNIQUE (u COLLATE NOCASE, r DESC),
            CONSTRAINT fk_pair FOREIGN KEY (r, s) REFERENCES pair (a, b) ON UPDATE NO ACTION DEFERRABLE INITIALLY DEFERRED
        ) WITHOUT ROWID, STRICT"""
    )
    assert parsed.primary_key_name == "t_pk"
    assert parsed.uniques == [("u_one", ("u",)), ("uq_pair", ("u", "r"))]
    assert parsed.foreign_keys == [
        ParsedForeignKey(None, ("r",), "other", ()),
        ParsedForeignKey("fk_s", ("s",), "Other", ("Id",), deferrable=True, initially_deferred=False),
        ParsedForeignKey("fk_pair", ("r", "s"), "pair", ("a", "b"), deferrable=True, initially_deferred=True),
    ]
    assert parsed.without_rowid


def test_generated_columns() -> None:
    parsed = parse_create_table(
        "CREATE TABLE g (a INT, b INT GENERATED ALWAYS AS (a * (a + 1)) STORED, c TEXT AS ('x' || a), d INT)"
    )
    assert parsed.generated == {"b": "a * (a + 1)", "c": "'x' || a"}
    assert not parsed.without_rowid


def test_nothing_to_read() -> None:
    assert parse_create_table(None).checks == []
    assert parse_create_table("CREATE TABLE copy AS SELECT 1 AS x").generated == {}


def test_create_index() -> None:
    parsed = parse_create_index(
        """CREATE UNIQUE INDEX IF NOT EXISTS "ix on"
           ON "t" (lower(name) DESC, [b] ASC, (a + 1) COLLATE NOCASE)
           WHERE a > 0 AND name <> 'x WHERE y' -- trailing comment"""
    )
    assert parsed.expressions == ("lower(name)", "[b]", "(a + 1) COLLATE NOCASE")
    assert parsed.where == "a > 0 AND name <> 'x WHERE y'"
    assert parse_create_index("CREATE INDEX i ON t (a)").where is None
    assert parse_create_index(None).expressions == ()


def test_tokens_carry_their_offsets_and_comments_spaces_and_the_end_are_skipped() -> None:
    sql = "CREATE TABLE [é t] (\"a\"\"b\" TEXT DEFAULT 'x''y', `c` INT) /* trailing */ -- word ( ) 'q'\n  "
    tokens = tokenize(sql)
    assert all(sql[t.start : t.end] == t.text for t in tokens)
    assert [(t.kind, t.value) for t in tokens] == [
        ("word", "CREATE"), ("word", "TABLE"), ("ident", "é t"), ("punct", "("), ("ident", 'a"b'), ("word", "TEXT"),
        ("word", "DEFAULT"), ("string", "x'y"), ("punct", ","), ("ident", "c"), ("word", "INT"), ("punct", ")"),
    ]
    # an unterminated string or comment runs to the end, as SQLite would refuse it anyway
    assert [(t.kind, t.text) for t in tokenize("a 'open")] == [("word", "a"), ("string", "'open")]
    assert [t.text for t in tokenize("a /* open ( b")] == ["a"]
    assert tokenize("") == [] and tokenize("  -- only a comment") == []
