"""Adopting databases Alembic migrated, and running the Alembic history under dbshift, on all three databases.

Each scenario is judged through the database: the history dbshift records, the
rows the data migrations wrote, and the schema compared with Alembic's own run
of the same history on a second fresh database (and, on PostgreSQL, pg_dump).
"""

from __future__ import annotations

import subprocess

import sqlalchemy as sa

from tests.adopt.alembic_history import HEAD, ORDER, alembic_upgrade, execute, quoted_rows
from tests.adopt.checks import pg_dump_schema, rows_of, run, schema_of, tables_of

TABLES = {"account", "post", "post_tag", "tag", "audit_log"}


def recorded(url: str) -> set[str]:
    return {r[0] for r in rows_of(url, "SELECT revision FROM dbshift_history WHERE status = 'applied'")}


def assert_same_schema(url_a: str, url_b: str) -> None:
    assert schema_of(url_a) == schema_of(url_b)
    if url_a.startswith("postgresql"):
        assert pg_dump_schema(url_a) == pg_dump_schema(url_b)


def test_a_database_at_an_alembic_revision_is_refused_until_adopted(two_urls, project):
    url, _ = two_urls
    root = project(url)
    alembic_upgrade(root, url, "4d0000000004")
    before = schema_of(url)
    code, out, err = run("upgrade")
    assert code == 1 and err.count("\n") == 1
    assert "at Alembic revision 4d0000000004" in err and "'dbshift adopt'" in err
    assert schema_of(url) == before


def test_adopt_at_head_then_the_database_matches_the_models(two_urls, project):
    url, _ = two_urls
    root = project(url)
    alembic_upgrade(root, url)

    code, out, err = run("adopt", "--dry-run")
    assert code == 0, err
    assert "adopting records 9 revision(s)" in out and all(rev in out for rev in ORDER)
    assert "dbshift_history" not in tables_of(url)  # a dry run writes nothing

    code, out, err = run("adopt")
    assert code == 0, err
    assert recorded(url) == set(ORDER)
    assert "alembic_version" in tables_of(url)  # kept until confirmed
    assert run("current")[1].split()[0] == HEAD
    code, out, err = run("check")
    assert code == 0, out + err
    assert run("upgrade")[1].strip() == f"Nothing to do: the database is already at {HEAD}."

    code, out, err = run("adopt", "--confirm")
    assert code == 0, err
    assert "alembic_version" not in tables_of(url)
    assert recorded(url) == set(ORDER)
    assert run("check")[0] == 0


def test_adopt_mid_history_then_continue_to_head_keeps_the_rows_and_matches_alembic(two_urls, project):
    url, alembic_url = two_urls
    root = project(url)
    alembic_upgrade(root, url, "2b0000000002")
    execute(url, quoted_rows(url))
    alembic_upgrade(root, url, "4d0000000004")  # the data migration fills the rows it finds

    assert run("adopt")[0] == 0
    assert recorded(url) == {"1a0000000001", "2b0000000002", "4d0000000004"}
    code, out, err = run("upgrade")
    assert code == 0, err
    assert recorded(url) == set(ORDER)
    assert run("check")[0] == 0

    assert rows_of(url, "SELECT id, slug, score FROM post ORDER BY id") == [(1, "hello-world", 0), (2, "second-post", 5)]
    assert rows_of(url, "SELECT id, name FROM account ORDER BY id") == [(1, "Ann"), (2, "anonymous")]
    assert rows_of(url, "SELECT id, name FROM tag ORDER BY id") == [(1, "python"), (2, "sql")]
    alembic_upgrade(root, alembic_url)
    assert_same_schema(url, alembic_url)


def test_replay_from_empty_under_dbshift_equals_alembics_replay(two_urls, project):
    url, alembic_url = two_urls
    root = project(url)
    code, out, err = run("upgrade")
    assert code == 0, err
    assert recorded(url) == set(ORDER)
    alembic_upgrade(root, alembic_url)
    assert set(schema_of(url)) == TABLES
    assert_same_schema(url, alembic_url)
    assert rows_of(url, "SELECT id, name FROM tag ORDER BY id") == [(1, "python"), (2, "sql")]  # bulk_insert
    assert run("check")[0] == 0
    assert "alembic_version" not in tables_of(url)


def test_downgrade_through_adopted_revisions_and_back(two_urls, project):
    url, alembic_url = two_urls
    root = project(url)
    alembic_upgrade(root, url)
    assert run("adopt", "--yes")[0] == 0
    assert run("adopt", "--confirm")[0] == 0

    code, out, err = run("downgrade", "2b0000000002", "--yes")
    assert code == 0, err
    assert recorded(url) == {"1a0000000001", "2b0000000002"}
    alembic_upgrade(root, alembic_url, "2b0000000002")
    assert_same_schema(url, alembic_url)  # every downgrade() undid its upgrade(), as under Alembic

    assert run("downgrade", "base", "--yes")[0] == 0
    assert tables_of(url) <= {"dbshift_history"}
    assert run("upgrade")[0] == 0
    alembic_upgrade(root, alembic_url)
    assert_same_schema(url, alembic_url)


def test_undo_puts_the_database_back_in_alembics_hands(two_urls, project):
    url, _ = two_urls
    root = project(url)
    alembic_upgrade(root, url, "3c0000000003")
    assert run("adopt")[0] == 0
    code, out, err = run("adopt", "--undo")
    assert code == 0, err
    assert "dbshift_history" not in tables_of(url)
    assert rows_of(url, "SELECT version_num FROM alembic_version") == [("3c0000000003",)]
    alembic_upgrade(root, url)  # the team's Alembic carries on as if nothing happened
    assert rows_of(url, "SELECT version_num FROM alembic_version") == [(HEAD,)]


def test_confirm_is_refused_when_alembic_ran_since_the_adoption(project, tmp_path):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    root = project(url)
    alembic_upgrade(root, url, "4d0000000004")
    assert run("adopt")[0] == 0
    alembic_upgrade(root, url)  # someone ran Alembic on the adopted database
    code, out, err = run("adopt", "--confirm")
    assert code == 1 and err.count("\n") == 1
    assert "alembic_version moved on since the adoption" in err
    assert "alembic_version" in tables_of(url)


def test_undo_is_refused_once_dbshift_ran_migrations(project, tmp_path):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    root = project(url)
    alembic_upgrade(root, url, "4d0000000004")
    assert run("adopt")[0] == 0
    assert run("upgrade", "+1")[0] == 0
    code, out, err = run("adopt", "--undo")
    assert code == 1 and "dbshift has run 3c0000000003 since the adoption" in err
    assert recorded(url) == {"1a0000000001", "2b0000000002", "3c0000000003", "4d0000000004"}


def test_offline_sql_on_postgresql_builds_what_alembic_builds(postgres_server, project):
    url, alembic_url = postgres_server.create(), postgres_server.create()
    try:
        root = project(url)
        code, script, err = run("upgrade", "--sql")
        assert code == 0, err
        # the data migration reads rows through op.get_bind(): named, not dropped
        assert "upgrade() of Alembic revision 4d0000000004" in script and "runs only against a database" in script
        assert "ALTER TABLE \"user\" RENAME TO account" in script
        assert "INSERT INTO tag (id, name) VALUES (1, 'python')" in script
        parsed = sa.engine.make_url(url)
        subprocess.run(["psql", "-v", "ON_ERROR_STOP=1", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", parsed.database],
                       input=script, text=True, check=True, capture_output=True)
        alembic_upgrade(root, alembic_url)
        assert_same_schema(url, alembic_url)
        assert recorded(url) == set(ORDER)
    finally:
        postgres_server.drop(url)
        postgres_server.drop(alembic_url)


NOT_BATCHED = '''"""constraints outside batch mode

Revision ID: ad0000000010
Revises: 9c0000000009
"""
from alembic import op
import sqlalchemy as sa

revision = "ad0000000010"
down_revision = "9c0000000009"


def upgrade():
    op.create_foreign_key(None, "post_tag", "tag", ["tag_id"], ["id"])
    op.alter_column("tag", "name", type_=sa.String(length=60), existing_type=sa.String(length=50), existing_nullable=False)


def downgrade():
    op.alter_column("tag", "name", type_=sa.String(length=50), existing_type=sa.String(length=60), existing_nullable=False)
'''


def test_on_sqlite_what_alembic_refuses_outside_batch_mode_is_a_table_rebuild(project, tmp_path):
    import pytest

    url, alembic_url = f"sqlite:///{tmp_path / 'app.db'}", f"sqlite:///{tmp_path / 'alembic.db'}"
    root = project(url)
    (root / "migrations" / "versions" / "ad0000000010_not_batched.py").write_text(NOT_BATCHED)
    with pytest.raises(NotImplementedError, match="No support for ALTER of constraints in SQLite"):
        alembic_upgrade(root, alembic_url)
    code, out, err = run("upgrade")
    assert code == 0, err
    tables = schema_of(url)
    assert (("tag_id",), "tag", ("id",)) in [fk[1:4] for fk in tables["post_tag"]["fks"]]
    assert ("name", "VARCHAR(60)", False, None) in tables["tag"]["columns"]
    assert rows_of(url, "SELECT id, name FROM tag ORDER BY id") == [(1, "python"), (2, "sql")]
