"""Every message ``flask db`` shows names ``flask db`` commands, never ``dbshift ...``: each command's failure
paths are run, and every line they print (and every hint in ``current`` and ``check``) is read."""

from __future__ import annotations

from pathlib import Path

import pytest

from dbshift.flask import DatabaseBehind
from flaskapps import FlaskDb, dbshift_commands_in, revisions


@pytest.fixture(params=["sqlite", "mariadb"])
def url(request, tmp_path: Path) -> str:
    """SQLite, and MariaDB (whose DDL commits as it goes: a failed migration is left unfinished)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return request.getfixturevalue("mysql_url")


def _add_sql(migrations: Path, revision: str, *statements: str) -> None:
    """Give the hand-written migration ``revision`` these RunSQL steps (the second may fail on purpose)."""
    (path,) = migrations.glob(f"{revision}*.py")
    steps = "".join(f"    RunSQL({s!r}, 'SELECT 1'),\n" for s in statements)
    path.write_text(path.read_text().replace("upgrade = [\n", "upgrade = [\n" + steps))


def test_no_message_names_a_dbshift_command(url: str, tmp_path: Path, make_app):
    migrations = tmp_path / "migrations"
    shown: list[str] = []

    def flask_db(app, *argv: str, expect: int = 1) -> str:  # noqa: ANN001
        result = FlaskDb(app)(*argv, expect=expect)
        shown.append(f"flask db {' '.join(argv)}:\n{result.output}")
        return result.output

    app = make_app(url, migrations)
    flask_db(app, "migrate", "-m", "x")  # no migrations directory yet
    flask_db(app, "revision", "-m", "x")
    flask_db(app, "upgrade")
    flask_db(app, "current")
    flask_db(app, "stamp")
    flask_db(app, "history")
    flask_db(app, "init", expect=0)
    flask_db(app, "check", expect=2)  # the models' table is missing
    flask_db(app, "migrate", "-m", "initial", expect=0)
    first = revisions(migrations)[0]
    flask_db(app, "migrate", "-m", "again")  # not applied yet: upgrade first
    flask_db(app, "check", expect=2)
    with pytest.raises(DatabaseBehind) as behind:
        app.extensions["dbshift"].migrate.require_current(app=app)
    shown.append(str(behind.value))
    flask_db(app, "upgrade", "nope")
    flask_db(app, "downgrade", "-1")  # nothing applied
    flask_db(app, "upgrade", expect=0)
    flask_db(app, "downgrade", "-5")
    flask_db(app, "stamp", "nope")
    flask_db(app, "show", "nope")
    flask_db(app, "history", "-r", "nonsense")
    flask_db(app, "merge")  # one head: nothing to merge
    flask_db(app, "rebase", first)
    flask_db(app, "resolve", first, "--applied")
    flask_db(app, "accept", "nope")
    flask_db(app, "lint", "--all", "--ignore", "DS999")
    flask_db(app, "upgrade", "--resume", expect=0)
    flask_db(app, "upgrade", "--sql", "--dry-run", expect=2)
    flask_db(make_app(url, migrations, models=False), "migrate", "-m", "oops")  # models not imported

    # an applied migration edited afterwards
    (path,) = migrations.glob(f"{first}*.py")
    path.write_text(path.read_text() + "\n# edited\n")
    flask_db(app, "current", expect=0)
    flask_db(app, "check", expect=2)
    flask_db(app, "upgrade")
    flask_db(app, "accept", first, expect=0)

    # a migration that fails part-way
    flask_db(app, "revision", "-m", "breaks", expect=0)
    breaks = revisions(migrations)[-1]
    _add_sql(migrations, breaks, "CREATE TABLE made_first (id integer PRIMARY KEY)", "SELECT * FROM no_such_table")
    flask_db(app, "upgrade")
    flask_db(app, "current", expect=0)
    flask_db(app, "check", expect=2)
    flask_db(app, "upgrade")
    flask_db(app, "revision", "-m", "blocked", expect=0)
    flask_db(app, "upgrade")

    # two heads, in a project of their own
    forked_dir = tmp_path / "forked"
    forked = make_app(f"sqlite:///{tmp_path / 'forked.db'}", forked_dir)
    flask_db(forked, "init", expect=0)
    flask_db(forked, "revision", "-m", "one", expect=0)
    flask_db(forked, "revision", "-m", "two", expect=0)
    one, two = revisions(forked_dir)
    (path,) = forked_dir.glob(f"{two}*.py")
    path.write_text(path.read_text().replace(f'parents = ("{one}",)', "parents = ()").replace(
        f"Parents: {one}", "Parents: base"))
    flask_db(forked, "upgrade", "head")
    flask_db(forked, "show")
    flask_db(forked, "stamp", "head")
    flask_db(forked, "upgrade")
    flask_db(forked, "upgrade", "heads", expect=0)
    flask_db(forked, "migrate", "-m", "forked")

    everything = "\n".join(shown)
    assert dbshift_commands_in(everything) == [], everything
    assert everything.count("'flask db ") >= 8, everything  # the hints are there, naming flask db
