"""``flask db``: a privileged migration URL given but empty is an error, not a reason to migrate with the app's own URL."""

from __future__ import annotations

from pathlib import Path

import pytest

from flaskapps import FlaskDb, revisions, tables


@pytest.mark.parametrize("value", ["", "   "])
def test_an_empty_migration_url_stops_every_command(tmp_path: Path, make_app, value: str):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    migrations = tmp_path / "migrations"
    app = make_app(url, migrations, config={"DBSHIFT_MIGRATION_URL": value})
    db = FlaskDb(app)
    db("init")
    for command in (["migrate", "-m", "initial"], ["upgrade"], ["current"], ["heads"]):
        result = db(*command, expect=1)
        assert result.stderr == (
            "Error: app.config['DBSHIFT_MIGRATION_URL']: DBSHIFT_MIGRATION_URL is set but empty: set it to the "
            "migration URL, or remove it to migrate with the application's own URL\n"
        ), result.stderr
    assert revisions(migrations) == [] and not (tmp_path / "app.db").exists() or tables(url) == set()
