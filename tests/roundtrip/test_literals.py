"""Literals in DDL are read the same under every server string syntax.

PostgreSQL with ``standard_conforming_strings = off`` reads a backslash in '…'
as an escape; MySQL/MariaDB with ``NO_BACKSLASH_ESCAPES`` reads it as itself.
Comments, defaults, enum values and the literals SQLAlchemy builds into CHECKs
and index predicates hold quotes, backslashes, injection payloads, newlines and
unicode: after an upgrade (and after the ``--sql`` script is run by the
server's own client, with the setting on) the database holds exactly the text,
the table next door is untouched, and ``check`` finds nothing to change.
"""

from __future__ import annotations

import subprocess
import urllib.parse
from pathlib import Path

import pytest
import sqlalchemy as sa

from dbshift import api
from dbshift.config import Config
from dbshift.core.types import CommentNotWritable

INJECTION = "\\'; DROP TABLE victim; --"
PAYLOADS = (
    "it's",
    "back\\slash",
    INJECTION,
    "ends with a backslash \\",
    "two\nlines",
    "ünïcödé ✓ \\ü",
    "\\\\ doubled '' and \\n not a newline",
)
NO_BACKSLASH = ("it's", "two\nlines", "'; DROP TABLE victim; --", "ünïcödé ✓ '' \"q\"")  # comments MySQL can hold
FORBIDDEN = "no \\'; DELETE FROM victim; --"  # what the CHECK and the index predicate rule out


def note_models(dialect: str, comments: tuple[str, ...] = PAYLOADS) -> sa.MetaData:
    """A table whose comments, defaults, enum values, CHECK and index predicate hold the payloads."""
    md = sa.MetaData()
    columns = [sa.Column("id", sa.Integer, primary_key=True)]
    for i, payload in enumerate(PAYLOADS):
        comment = comments[i % len(comments)] if comments else None
        columns.append(sa.Column(f"d{i}", sa.String(60), server_default=payload, comment=comment))
    mood = sa.Enum(*PAYLOADS, name="mood")
    columns.append(sa.Column("mood", mood))
    columns.append(sa.Column("body", sa.String(60)))
    columns.append(sa.Column("doc", sa.Text, server_default=INJECTION))  # MariaDB keeps a TEXT default as an expression
    note = sa.Table("note", md, *columns, comment=comments[2 % len(comments)] if comments else None)
    note.append_constraint(sa.CheckConstraint(note.c.body != FORBIDDEN, name="ck_note_body"))
    if dialect == "postgresql":
        sa.Index("ix_note_body", note.c.body, postgresql_where=note.c.body != FORBIDDEN)
    return md


def project(tmp_path: Path, url: str, md: sa.MetaData) -> Config:
    root = tmp_path / "project"
    (root / "migrations").mkdir(parents=True, exist_ok=True)
    return Config(
        root=root, migrations=root / "migrations", url=url, url_source="test", metadata_object=md,
        exclude_tables=frozenset({"victim"}),  # a table the models do not manage: no migration may touch it
    )


def add_victim(url: str) -> None:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE victim (id INTEGER PRIMARY KEY, name VARCHAR(20))")
        conn.exec_driver_sql("INSERT INTO victim VALUES (1, 'kept'), (2, 'kept too')")
    engine.dispose()


def comments_of(engine: sa.Engine, dialect: str) -> tuple[str, list[str]]:
    """The comment of ``note`` and of its columns d0, d1, … as the catalog holds them."""
    if dialect == "postgresql":
        table = "SELECT obj_description('note'::regclass, 'pg_class')"
        column = ("SELECT col_description('note'::regclass, attnum) FROM pg_attribute "
                  "WHERE attrelid = 'note'::regclass AND attname ~ '^d[0-9]' ORDER BY attnum")
    else:
        table = "SELECT table_comment FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'note'"
        column = ("SELECT column_comment FROM information_schema.columns WHERE table_schema = DATABASE() "
                  "AND table_name = 'note' AND column_name REGEXP '^d[0-9]' ORDER BY ordinal_position")
    with engine.connect() as conn:
        return conn.exec_driver_sql(table).scalar(), list(conn.exec_driver_sql(column).scalars())


def assert_exact(url: str, dialect: str, comments: tuple[str, ...] = PAYLOADS) -> None:
    """The database holds every payload exactly, and nothing else changed."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    inspector = sa.inspect(engine)
    assert sorted(inspector.get_table_names()) == ["dbshift_history", "note", "victim"]
    assert [c["name"] for c in inspector.get_columns("victim")] == ["id", "name"]
    columns = {c["name"]: c for c in inspector.get_columns("note")}
    assert list(columns) == ["id", *(f"d{i}" for i in range(len(PAYLOADS))), "mood", "body", "doc"]
    if comments:
        assert comments_of(engine, dialect) == (
            comments[2 % len(comments)], [comments[i % len(comments)] for i in range(len(PAYLOADS))]
        )
    with engine.begin() as conn:
        assert conn.exec_driver_sql("SELECT id, name FROM victim ORDER BY id").fetchall() == [(1, "kept"), (2, "kept too")]
        conn.exec_driver_sql("INSERT INTO note (id, body) VALUES (1, 'fine')")
        defaults = conn.exec_driver_sql(
            "SELECT " + ", ".join(f"d{i}" for i in range(len(PAYLOADS))) + " FROM note WHERE id = 1"
        ).one()
        assert tuple(defaults) == PAYLOADS  # each default is the text, exactly
        assert conn.exec_driver_sql("SELECT doc FROM note WHERE id = 1").scalar() == INJECTION
        for i, payload in enumerate(PAYLOADS):  # each enum value is the text, exactly
            conn.execute(sa.text("INSERT INTO note (id, mood) VALUES (:id, :mood)"), {"id": 10 + i, "mood": payload})
        stored = conn.exec_driver_sql("SELECT mood FROM note WHERE id >= 10 ORDER BY id").scalars().all()
        assert tuple(stored) == PAYLOADS
        conn.execute(sa.text("INSERT INTO note (id, body) VALUES (2, :b)"), {"b": FORBIDDEN.replace("no", "yes")})
    with pytest.raises(sa.exc.DBAPIError), engine.begin() as conn:  # the CHECK rules out exactly FORBIDDEN
        conn.execute(sa.text("INSERT INTO note (id, body) VALUES (3, :b)"), {"b": FORBIDDEN})
    if dialect == "postgresql":
        with engine.connect() as conn:
            conn.exec_driver_sql("SET standard_conforming_strings = on")
            labels = conn.exec_driver_sql("SELECT enumlabel FROM pg_enum ORDER BY enumsortorder").scalars().all()
            predicate = conn.exec_driver_sql(
                "SELECT pg_get_expr(indpred, indrelid) FROM pg_index WHERE indexrelid = 'ix_note_body'::regclass"
            ).scalar()
        assert tuple(labels) == PAYLOADS
        assert "no \\''; DELETE FROM victim; --" in predicate  # as PostgreSQL writes it with standard strings
    engine.dispose()


# --- PostgreSQL, standard_conforming_strings = off -------------------------------------------


def pg_strings_off(postgres_server, url: str) -> None:
    """Every new session of the database reads '…' with backslash escapes, as before PostgreSQL 9.1."""
    database = sa.engine.make_url(url).database
    with postgres_server.admin.connect() as conn:
        conn.exec_driver_sql(f'ALTER DATABASE "{database}" SET standard_conforming_strings = off')
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SHOW standard_conforming_strings").scalar() == "off"
    engine.dispose()


def test_postgresql_with_standard_conforming_strings_off_holds_every_literal_exactly(
    postgres_server, pg_url, tmp_path
):
    pg_strings_off(postgres_server, pg_url)
    add_victim(pg_url)
    config = project(tmp_path, pg_url, note_models("postgresql"))
    api.revision(config, "notes", autogenerate=True)
    api.upgrade(config)
    assert_exact(pg_url, "postgresql")
    assert api.check(config).ops == (), "reflected under the same setting, nothing differs"


def test_postgresql_sql_script_run_by_psql_with_standard_conforming_strings_off(postgres_server, tmp_path):
    source, target = postgres_server.create(), postgres_server.create()
    try:
        config = project(tmp_path, source, note_models("postgresql"))
        api.revision(config, "notes", autogenerate=True)
        script = tmp_path / "upgrade.sql"
        script.write_text(api.upgrade_sql(config).sql)
        pg_strings_off(postgres_server, target)
        add_victim(target)
        psql_url = sa.engine.make_url(target).set(drivername="postgresql").render_as_string(hide_password=False)
        done = subprocess.run(
            ["psql", psql_url, "-v", "ON_ERROR_STOP=1", "-q", "-f", str(script)], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        assert_exact(target, "postgresql")
        assert api.check(project(tmp_path, target, note_models("postgresql"))).ops == ()
    finally:
        postgres_server.drop(source)
        postgres_server.drop(target)


# --- MariaDB, with and without NO_BACKSLASH_ESCAPES -------------------------------------------

NO_BACKSLASH_ESCAPES = "SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_BACKSLASH_ESCAPES')"
MODES = {"no_backslash_escapes": NO_BACKSLASH_ESCAPES, "backslash_escapes": "SET SESSION sql_mode = ''"}


def with_mode(url: str, mode: str) -> str:
    """``url`` whose every connection starts with ``sql_mode`` set (PyMySQL's ``init_command``)."""
    return url + ("&" if "?" in url else "?") + "init_command=" + urllib.parse.quote(MODES[mode])


@pytest.mark.parametrize("mode", MODES)
def test_mariadb_holds_every_literal_exactly_in_either_mode(mysql_url, tmp_path, mode):
    url = with_mode(mysql_url, mode)
    add_victim(url)
    md = note_models("mysql", comments=NO_BACKSLASH)
    config = project(tmp_path, url, md)
    api.revision(config, "notes", autogenerate=True)
    api.upgrade(config)
    assert_exact(url, "mysql", comments=NO_BACKSLASH)
    assert api.check(config).ops == ()
    for other in MODES:  # and whichever mode the next session runs in, nothing differs
        assert api.check(project(tmp_path, with_mode(mysql_url, other), md)).ops == ()


@pytest.mark.parametrize("mode", MODES)
def test_mariadb_sql_script_run_by_the_mariadb_client_in_either_mode(mariadb_server, tmp_path, mode):
    source, target = mariadb_server.create(), mariadb_server.create()
    try:
        md = note_models("mysql", comments=NO_BACKSLASH)
        config = project(tmp_path, source, md)
        api.revision(config, "notes", autogenerate=True)
        script = api.upgrade_sql(config).sql
        add_victim(target)
        url = sa.engine.make_url(target)
        done = subprocess.run(
            ["mariadb", "-h", url.host, "-P", str(url.port), "-u", url.username, f"--init-command={MODES[mode]}",
             url.database],
            input=script, capture_output=True, text=True,
        )
        assert done.returncode == 0, done.stderr
        assert_exact(target, "mysql", comments=NO_BACKSLASH)
        assert api.check(project(tmp_path, target, md)).ops == ()
    finally:
        mariadb_server.drop(source)
        mariadb_server.drop(target)


def test_mariadb_refuses_a_comment_with_a_backslash_before_writing_anything(mysql_url, tmp_path):
    """No MySQL comment spelling reads the same in both modes: one line, and no migration file."""
    config = project(tmp_path, mysql_url, note_models("mysql", comments=("plain", "C:\\temp")))
    with pytest.raises(CommentNotWritable) as refused:
        api.revision(config, "notes", autogenerate=True)
    assert str(refused.value).startswith("the comment of column note.d1 ('C:\\\\temp') holds a backslash, which mariadb")
    assert "\n" not in str(refused.value)
    assert list(config.migrations.iterdir()) == []


def test_mariadb_comment_with_a_backslash_already_there_is_left_alone(mysql_url, tmp_path):
    """A comment MySQL already holds is not written again: check and autogenerate find nothing to refuse;
    a change that restates the column (and so its comment) is refused with one line."""
    engine = sa.create_engine(with_mode(mysql_url, "backslash_escapes"), poolclass=sa.pool.NullPool)
    with engine.begin() as conn:  # written for the default mode by hand: the comment is C:\temp
        conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, v VARCHAR(10) COMMENT 'C:\\\\temp')")
    engine.dispose()

    def models(length: int) -> sa.MetaData:
        md = sa.MetaData()
        sa.Table("t", md, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
                 sa.Column("v", sa.String(length), comment="C:\\temp"))
        return md

    config = project(tmp_path, mysql_url, models(10))
    assert api.check(config).ops == ()
    assert api.revision(config, "nothing", autogenerate=True).path is None
    with pytest.raises(CommentNotWritable, match=r"^the comment of column t\.v "):
        api.revision(project(tmp_path, mysql_url, models(20)), "wider", autogenerate=True)
    assert list(config.migrations.iterdir()) == []
