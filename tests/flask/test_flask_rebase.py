"""``flask db rebase``: a teammate's migration arrived; put ours on top of it instead of merging."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from dbshift.project import files as scripts
from flaskapps import FlaskDb, revisions


@pytest.fixture
def db(sqlite_url: str, tmp_path: Path, make_app) -> FlaskDb:
    return FlaskDb(make_app(sqlite_url, tmp_path / "migrations"))


def test_flask_db_rebase_puts_our_migration_on_top_of_the_teammates(db: FlaskDb, tmp_path: Path):
    migrations = tmp_path / "migrations"
    db("init")
    db("migrate", "-m", "initial")
    db("upgrade")
    (first,) = revisions(migrations)
    db("revision", "-m", "ours")
    ours = next(r for r in revisions(migrations) if r != first)
    db("upgrade")
    # the teammate's migration, built on the same parent, arrives with a pull
    scripts.write_migration(migrations, "20991231000000_beef", (first,), "theirs", [], now=datetime.now(timezone.utc))
    stopped = db("migrate", "-m", "x", expect=1).stderr
    assert "'flask db merge'" in stopped and "'flask db rebase " in stopped and "'dbshift" not in stopped

    refused = db("rebase", ours, expect=1).stderr
    assert f"{ours} is recorded in the database" in refused
    assert f"'flask db downgrade {first}'" in refused and len(refused.strip().splitlines()) == 1
    db("downgrade", first)

    assert f"Put {ours} on top of 20991231000000_beef" in db("rebase", ours).output
    assert db("heads").output.split()[0] == ours and len(db("heads").output.strip().splitlines()) == 1
    db("upgrade")
    assert db("current").output.split()[0] == ours
    listed = db("history").output
    assert listed.index(ours) < listed.index("20991231000000_beef"), "newest first by the chain, not by id"
    assert "nothing to rebase" in db("rebase", ours, expect=1).stderr
