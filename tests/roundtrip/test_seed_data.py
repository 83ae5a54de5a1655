"""Seed data: a ``BulkInsert`` downgrade removes exactly the rows it inserted, NULLs included, and no
other row; ``--sql`` and ``--dry-run`` render seed rows (NULLs, dates, datetimes, decimals, booleans,
strings with quotes and backslashes) on every database, and the server's own client runs the script."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from dbshift import api
from dbshift.config import Config

COLUMNS = "name, shade, price, born, seen, active"
SEEDS = (  # what the migration inserts: NULLs, a date, a datetime, decimals, booleans, quotes, backslashes
    {"name": "red", "shade": None, "price": Decimal("1.50"), "born": dt.date(2020, 1, 2),
     "seen": dt.datetime(2021, 3, 4, 5, 6, 7), "active": True},
    {"name": "it's \\ blue", "shade": "dark", "price": None, "born": None, "seen": None, "active": False},
    {"name": "red", "shade": None, "price": Decimal("1.50"), "born": dt.date(2020, 1, 2),
     "seen": dt.datetime(2021, 3, 4, 5, 6, 7), "active": True},  # the same row twice
    {"name": "\\'; DELETE FROM color; --", "shade": None, "price": Decimal("-0.01"), "born": None, "seen": None,
     "active": None},
)
APP_ROW = SEEDS[0]  # the application's own row, equal to a seed row in every column the seed gives
OTHER_ROW = {"name": "other", "shade": None, "price": None, "born": None, "seen": None, "active": None}


def models() -> sa.MetaData:
    md = sa.MetaData()
    sa.Table(
        "color", md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("shade", sa.String(20)),
        sa.Column("price", sa.Numeric(10, 2)),
        sa.Column("born", sa.Date),
        sa.Column("seen", sa.DateTime),
        sa.Column("active", sa.Boolean),
    )
    return md


def project(tmp_path: Path, url: str) -> Config:
    root = tmp_path / "p"
    (root / "migrations").mkdir(parents=True, exist_ok=True)
    return Config(root=root, migrations=root / "migrations", url=url, url_source="t", metadata_object=models())


def seed_migration(config: Config) -> tuple[str, str]:
    """The table, then a hand-written migration inserting :data:`SEEDS`: their revision ids."""
    table = api.revision(config, "colors", autogenerate=True).revision
    seed = api.revision(config, "seed")
    path = seed.path
    text = path.read_text()
    rows = "".join(f"        {row!r},\n" for row in SEEDS)
    head = "import datetime\nfrom decimal import Decimal\n\n" + text[: text.index("upgrade = [")]
    path.write_text(head + f"upgrade = [\n    BulkInsert(\"color\", [\n{rows}    ]),\n]\n")
    return table.id, seed.revision.id


def rows(url: str) -> list[tuple]:
    """Every row of ``color`` (without the id), as Python values, sorted."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    table = models().tables["color"]
    with engine.connect() as conn:
        found = conn.execute(sa.select(*(table.c[c] for c in COLUMNS.split(", ")))).fetchall()
    engine.dispose()
    return sorted((tuple(r) for r in found), key=repr)


def as_rows(seeds) -> list[tuple]:  # noqa: ANN001
    return sorted((tuple(s[c] for c in COLUMNS.split(", ")) for s in seeds), key=repr)


def insert_app_row(url: str) -> None:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.execute(models().tables["color"].insert(), [APP_ROW, OTHER_ROW])
    engine.dispose()


def test_downgrade_removes_exactly_the_rows_it_inserted_nulls_and_duplicates_included(db_url, tmp_path):
    config = project(tmp_path, db_url)
    table, _ = seed_migration(config)
    api.upgrade(config, table)
    insert_app_row(db_url)
    before = rows(db_url)
    assert before == as_rows([APP_ROW, OTHER_ROW])

    api.upgrade(config)
    assert rows(db_url) == sorted(before + as_rows(SEEDS), key=repr)

    api.downgrade(config, "-1")
    # one row per inserted row: the application's "red" row, equal to two seeds, is still there;
    # the rows holding NULLs went
    assert rows(db_url) == before

    api.upgrade(config)  # and again: the same rows come back, and go
    api.downgrade(config, "-1")
    assert rows(db_url) == before


def run_script(url: str, sql: str, tmp_path: Path) -> None:
    """Run ``sql`` with the server's own client (psql, mariadb), or sqlite3 for a SQLite file."""
    parsed = sa.engine.make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        with sqlite3.connect(parsed.database) as conn:
            conn.executescript(sql)
        return
    if backend == "postgresql":
        script = tmp_path / "script.sql"
        script.write_text(sql)
        command = ["psql", parsed.set(drivername="postgresql").render_as_string(hide_password=False),
                   "-v", "ON_ERROR_STOP=1", "-q", "-f", str(script)]
        done = subprocess.run(command, capture_output=True, text=True)
    else:
        command = ["mariadb", "-h", parsed.host, "-P", str(parsed.port), "-u", parsed.username, parsed.database]
        done = subprocess.run(command, input=sql, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_sql_scripts_render_seed_rows_and_the_servers_client_runs_them(db_url, tmp_path):
    config = project(tmp_path, db_url)
    table, seed = seed_migration(config)
    up = api.upgrade_sql(config).sql
    assert up.count("INSERT INTO") == len(SEEDS) + 2  # the rows, and a history row per migration
    assert "NULL" in up and "2020-01-02" in up and "1.50" in up
    run_script(db_url, up, tmp_path)
    assert rows(db_url) == as_rows(SEEDS)
    assert api.check(config).ops == ()

    insert_app_row(db_url)
    down = api.downgrade_sql(config, f"{seed}:{table}").sql
    run_script(db_url, down, tmp_path)
    assert rows(db_url) == as_rows([APP_ROW, OTHER_ROW])


def test_dry_run_renders_seed_rows_and_changes_nothing(db_url, tmp_path):
    config = project(tmp_path, db_url)
    table, _ = seed_migration(config)
    api.upgrade(config, table)
    result = api.upgrade(config, dry_run=True)
    (plan,) = result.plan
    assert plan.problem is None
    assert plan.statements == ("insert 4 row(s) into color",)
    assert rows(db_url) == []
    api.upgrade(config)
    result = api.downgrade(config, "-1", dry_run=True)
    (plan,) = result.plan
    assert plan.problem is None and plan.risks == ("deletes 4 row(s) from color",)
    assert rows(db_url) == as_rows(SEEDS)


def test_downgrade_never_deletes_more_rows_than_it_inserted(db_url, tmp_path):
    """Rows the application wrote with the same values as a seed row stay: one row goes per row inserted."""
    config = project(tmp_path, db_url)
    table = api.revision(config, "colors", autogenerate=True).revision
    api.upgrade(config)
    path = api.revision(config, "seed").path
    text = path.read_text()
    path.write_text(text[: text.index("upgrade = [")] + 'upgrade = [BulkInsert("color", [{"name": "plain"}])]\n')
    assert api.current(config) == (table.id,)
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.execute(models().tables["color"].insert(), [{"id": 100 + i, "name": "plain"} for i in range(3)])
    api.upgrade(config)
    api.downgrade(config, "-1")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM color WHERE name = 'plain'").scalar() == 3
    engine.dispose()
