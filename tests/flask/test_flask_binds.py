"""With ``SQLALCHEMY_BINDS``, ``flask db`` acts on every bind as Flask-Migrate's multi-database mode does
(the default database first, each bind with its own history table in its own database); ``--bind NAME``
narrows to one.  And ``downgrade --sql`` alone prints the head revision's downgrade."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from flaskapps import FlaskDb, history_rows, revisions, tables


def _reports(tmp_path: Path) -> str:
    """A database the app only reads (no models, no migrations), holding a table of its own."""
    url = f"sqlite:///{tmp_path / 'reports.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE daily (day TEXT PRIMARY KEY)")
        conn.exec_driver_sql("INSERT INTO daily VALUES ('2026-01-01')")
    engine.dispose()
    return url


def test_every_command_acts_on_every_bind(db_url: str, second_url: str, tmp_path: Path, make_app):
    migrations, reports = tmp_path / "migrations", _reports(tmp_path)
    binds = {"SQLALCHEMY_BINDS": {"audit": second_url, "reports": reports}}
    db = FlaskDb(make_app(db_url, migrations, bind_url=second_url, config=binds))

    db("init")
    out = db("migrate", "-m", "initial").output
    assert "create table product" in out and "create table audit_entry" in out
    assert "Bind 'reports' (" in out and "No models and no migrations: left alone." in out
    assert "daily" not in out, "the read-only database's table is not dropped"
    (shop_1,), (audit_1,) = revisions(migrations), revisions(migrations / "audit")
    assert revisions(migrations / "reports") == []

    db("upgrade")
    assert history_rows(db_url) == [shop_1] and history_rows(second_url) == [audit_1]
    assert tables(reports) == {"daily"}, "no history table in a database dbshift leaves alone"

    assert "Stamped" in db("stamp", "base").output
    assert history_rows(db_url) == [] and history_rows(second_url) == []
    db("stamp")  # head, on every bind
    assert history_rows(db_url) == [shop_1] and history_rows(second_url) == [audit_1]
    assert db("check").output.count("The database matches the models.") == 2
    out = db("current").output
    assert f"{shop_1}" in out and f"{audit_1}" in out

    # the default bind's models change; the audit bind's do not
    db = FlaskDb(make_app(db_url, migrations, version=2, bind_url=second_url, config=binds))
    out = db("migrate", "-m", "price and tags").output
    assert "create table tag" in out and "No changes" in out
    shop_2 = revisions(migrations)[1]
    db("upgrade")
    assert history_rows(db_url) == [shop_1, shop_2]

    db("downgrade")  # -1 on every bind
    assert "tag" not in tables(db_url) and "product" in tables(db_url)
    assert "audit_entry" not in tables(second_url) and history_rows(second_url) == []
    out = db("downgrade").output
    assert "product" not in tables(db_url) and history_rows(db_url) == []
    assert "Nothing applied: nothing to downgrade." in out, "a bind already at base is passed over"

    # a revision named: the bind whose history has it
    db("upgrade", shop_1)
    assert history_rows(db_url) == [shop_1] and history_rows(second_url) == []
    db("stamp", audit_1)
    assert history_rows(second_url) == [audit_1] and history_rows(db_url) == [shop_1]
    db("upgrade", "--bind", "audit")
    assert history_rows(db_url) == [shop_1], "--bind narrows to one"
    db("stamp", "--bind", "audit", "base")
    assert history_rows(second_url) == [] and history_rows(db_url) == [shop_1]
    assert "unknown revision 'nope'" in db("upgrade", "nope", expect=1).stderr
    assert tables(reports) == {"daily"}


def test_downgrade_sql_alone_prints_the_heads_downgrade(db_url: str, second_url: str, tmp_path: Path, make_app):
    migrations = tmp_path / "migrations"
    single = FlaskDb(make_app(db_url, migrations))
    single("init")
    single("migrate", "-m", "initial")
    single("upgrade")
    single = FlaskDb(make_app(db_url, migrations, version=2))
    single("migrate", "-m", "price and tags")
    sql = single("downgrade", "--sql").output
    assert "DROP TABLE tag" in sql and "price" in sql, "the head revision's downgrade"
    assert "DROP TABLE product" not in sql and "-- default bind" not in sql
    sql = single("downgrade", "--sql", "base").output
    assert "DROP TABLE tag" in sql and "DROP TABLE product" in sql, "head:base"
    assert "tag" not in tables(db_url) and "product" in tables(db_url), "--sql changes nothing"

    audit = f"sqlite:///{tmp_path / 'audit.db'}"
    with_binds = FlaskDb(make_app(second_url, tmp_path / "bound", bind_url=audit))
    with_binds("init")
    with_binds("migrate", "-m", "initial")
    sql = with_binds("downgrade", "--sql").output
    assert sql.index("-- default bind") < sql.index("DROP TABLE product") < sql.index("-- bind 'audit'")
    assert sql.index("-- bind 'audit'") < sql.index("DROP TABLE audit_entry")
    assert "DROP TABLE product" not in with_binds("downgrade", "--sql", "--bind", "audit").output
