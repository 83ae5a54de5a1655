"""``flask db lint``: the same findings and exit codes as ``dbshift lint``."""

from __future__ import annotations

import json
from pathlib import Path

from dbshift.project import files as scripts
from flaskapps import FlaskDb, revisions


def test_flask_db_lint_names_risky_operations_of_unapplied_migrations(sqlite_url: str, tmp_path: Path, make_app):
    migrations = tmp_path / "migrations"
    db = FlaskDb(make_app(sqlite_url, migrations))
    db("init")
    db("migrate", "-m", "initial")
    assert "No unsafe operations" in db("lint", "--all").output
    db("upgrade")
    (first,) = revisions(migrations)
    drop = migrations / "20991231000000_dead_drop.sql"
    drop.write_text(f"-- revision: 20991231000000_dead\n-- parents: {first}\n-- message: drop\nDROP TABLE IF EXISTS old_stuff;\n")
    assert scripts.read_header(drop).id == "20991231000000_dead"

    found = db("lint", expect=2).output
    assert "20991231000000_dead  DS110" in found and first not in found, "only what is not applied yet"
    data = json.loads(db("lint", "--json", expect=2).output)
    assert [f["code"] for f in data["findings"]] == ["DS110"] and data["dialect"] == "sqlite"
    assert "No unsafe operations" in db("lint", "--ignore", "DS110").output
    assert "unknown" in db("lint", "--ignore", "DS999", expect=1).stderr.lower()
