"""Online forms on a real PostgreSQL table that holds rows and is in use.

* every online form applies on a populated table and leaves the schema and rows the plain form leaves,
  written as a Python migration or as a ``.sql`` file;
* while another connection reads and writes the table, none of its operations waits longer than the
  migration's ``lock_timeout`` (and a little);
* a statement whose lock is not granted in time is retried (the step resumes after what it committed),
  telling each retry; after the last retry the migration fails with one line and nothing of it applied;
* a unique index that cannot be built CONCURRENTLY leaves no invalid index behind, and runs once the
  data is fixed.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa

from dbshift import api
from dbshift.api.errors import UnacknowledgedFinding
from dbshift.api.sql_migrations import sql_text
from dbshift.config import Config
from dbshift.core import ops as o
from dbshift.core.model import Check, Column, ForeignKey, Index, PrimaryKey, Schema, Table, Unique
from dbshift.core.online import online_forms
from dbshift.database.connect import create_engine
from dbshift.project import files
from dbshift.runner import MigrationFailed
from dbshift.runner.events import Notice
from dbshift.sqla.reflect import reflect

ROWS = 50_000
ITEM = Table(
    "item",
    (Column("id", "integer", nullable=False), Column("owner_id", "integer"), Column("code", "text"),
     Column("qty", "integer")),
    primary_key=PrimaryKey(("id",)),
)
OWNER = Table("owner", (Column("id", "integer", nullable=False),), primary_key=PrimaryKey(("id",)))
START = Schema(tables=(ITEM, OWNER))
NOTE, NOTE_NOT_NULL = Column("note", "text"), Column("note", "text", nullable=False)
QTY, QTY_NOT_NULL = Column("qty", "integer"), Column("qty", "integer", nullable=False)

PLAIN: list[o.Op] = [
    o.CreateIndex("item", Index("ix_item_qty", ("qty",))),
    o.AddConstraint("item", ForeignKey(("owner_id",), "owner", ("id",), name="item_owner_fk")),
    o.AddConstraint("item", Check("qty >= 0", "item_qty_check")),
    o.AddConstraint("item", Unique(("code",), "item_code_key")),
    o.Backfill("item", "qty", "0"),
    o.AlterColumn("item", QTY, QTY_NOT_NULL),
]
WITH_NOTE = PLAIN + [
    o.AddColumn("item", NOTE), o.Backfill("item", "note", "'n'"), o.AlterColumn("item", NOTE, NOTE_NOT_NULL),
]


def _online(plain: list[o.Op], batch: int = 7_000) -> list[o.Op]:
    """The online forms, with batches small enough that a backfill of these rows takes several."""
    return [o.Backfill(op.table, op.column, op.value, op.schema, batch) if isinstance(op, o.Backfill) else op
            for op in online_forms(plain, "postgresql", {"item"})]


# --- databases and projects -----------------------------------------------------------------------------------


@pytest.fixture
def pg_urls(postgres_server) -> Iterator[list[str]]:
    """Three fresh PostgreSQL databases."""
    urls = [postgres_server.create() for _ in range(3)]
    yield urls
    for url in urls:
        postgres_server.drop(url)


def _populate(url: str, rows: int = ROWS, duplicate_codes: bool = False) -> None:
    """``owner`` (100 rows) and ``item`` (``rows`` rows; every 7th ``qty`` NULL)."""
    code = "'c' || mod(i, 10)" if duplicate_codes else "'c' || i"
    with _engine(url) as engine, engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE owner (id integer PRIMARY KEY)")
        conn.exec_driver_sql("INSERT INTO owner SELECT generate_series(1, 100)")
        conn.exec_driver_sql("CREATE TABLE item (id serial PRIMARY KEY, owner_id integer, code text, qty integer)")
        conn.exec_driver_sql(
            f"INSERT INTO item (owner_id, code, qty) SELECT 1 + mod(i, 100), {code}, "
            f"CASE WHEN mod(i, 7) = 0 THEN NULL ELSE mod(i, 100) END FROM generate_series(1, {rows}) AS i"
        )
        conn.exec_driver_sql("ANALYZE item")


@contextlib.contextmanager
def _engine(url: str) -> Iterator[sa.Engine]:
    engine = create_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def _project(root: Path, url: str) -> Config:
    (root / "migrations").mkdir(parents=True)
    return Config(root=root, migrations=root / "migrations", url=url, url_source="test")


def _write(config: Config, ops: list[o.Op], n: int = 1, *, lock: tuple[str | None, int] = (None, 0)) -> str:
    rev = f"2026010100{n:04d}_{n:04x}"
    parents = (f"2026010100{n - 1:04d}_{n - 1:04x}",) if n > 1 else ()
    files.write_migration(config.migrations, rev, parents, f"step {n}", ops, now=datetime.now(timezone.utc),
                          lock_timeout=lock[0], lock_retries=lock[1])
    return rev


def _write_sql(config: Config, ops: list[o.Op], start: Schema) -> None:
    sql, _ = sql_text(ops, "postgresql", start)
    files.write_sql_migration(config.migrations, "20260101000001_0001", (), "online", sql,
                              now=datetime.now(timezone.utc), lock_timeout="2s", lock_retries=3)


def _schema(url: str) -> Schema:
    with _engine(url) as engine, engine.connect() as conn:
        return reflect(conn)


def _rows(url: str) -> list[tuple]:
    with _engine(url) as engine, engine.connect() as conn:
        return [tuple(r) for r in conn.exec_driver_sql(
            "SELECT count(*), sum(qty), count(DISTINCT code), sum(owner_id),"
            " count(*) FILTER (WHERE qty = 0) FROM item")]


def _scalar(url: str, sql: str) -> object:
    with _engine(url) as engine, engine.connect() as conn:
        return conn.exec_driver_sql(sql).scalar()


# --- (a) the online forms end where the plain forms end --------------------------------------------------------


def test_every_online_form_applies_on_a_populated_table_and_ends_as_the_plain_form(pg_urls, tmp_path):
    plain_url, online_url, sql_url = pg_urls
    for url in pg_urls:
        _populate(url)
    plain, online, as_sql = (_project(tmp_path / name, url) for name, url in
                             (("plain", plain_url), ("online", online_url), ("sql", sql_url)))
    _write(plain, WITH_NOTE)
    _write(online, _online(WITH_NOTE), lock=("2s", 5))
    _write_sql(as_sql, _online(WITH_NOTE), START)
    sql_file = next(as_sql.migrations.glob("*.sql")).read_text()
    assert "CREATE UNIQUE INDEX CONCURRENTLY item_code_key" in sql_file and "NOT VALID" in sql_file
    assert "-- lock_timeout: 2s" in sql_file

    started = time.monotonic()
    api.upgrade(plain)
    plain_s = time.monotonic() - started
    for config in (online, as_sql):
        api.upgrade(config)
    expected = _schema(plain_url)
    assert _schema(online_url) == expected
    assert _schema(sql_url) == expected
    assert _rows(online_url) == _rows(sql_url) == _rows(plain_url) == [(ROWS, _rows(plain_url)[0][1], ROWS, _rows(
        plain_url)[0][3], _rows(plain_url)[0][4])]
    assert _scalar(online_url, "SELECT count(*) FROM item WHERE note = 'n'") == ROWS
    assert _scalar(online_url, "SELECT count(*) FROM pg_index WHERE NOT indisvalid") == 0
    assert _scalar(online_url, "SELECT count(*) FROM pg_constraint WHERE NOT convalidated") == 0
    assert _scalar(online_url, "SELECT count(*) FROM pg_constraint WHERE conname = 'item_qty_not_null'") == 0
    assert plain_s < 20


def test_the_downgrade_of_an_online_migration_restores_the_start(pg_url, tmp_path):
    _populate(pg_url, rows=2_000)
    config = _project(tmp_path / "p", pg_url)
    before = _schema(pg_url)
    _write(config, _online(WITH_NOTE))
    api.upgrade(config)
    api.downgrade(config, "base")
    assert _schema(pg_url) == before


# --- (b) the table stays in use ------------------------------------------------------------------------------


class Workload:
    """Another application session: small transactions that insert and update ``item`` rows, and reads, each
    one timed, until stopped."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url)
        self.latencies: list[tuple[float, str]] = []
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "Workload":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(30)
        self.engine.dispose()

    def _run(self) -> None:
        n = 0
        with self.engine.connect() as conn:
            while not self._stop.is_set():
                n += 1
                kind = ("insert", "update", "read")[n % 3]
                started = time.monotonic()
                try:
                    if kind == "insert":
                        conn.exec_driver_sql(
                            "INSERT INTO item (owner_id, code, qty) VALUES (%(o)s, %(c)s, 1)",
                            {"o": 1 + n % 100, "c": f"w{uuid.uuid4().hex}"})
                    elif kind == "update":
                        conn.exec_driver_sql("UPDATE item SET qty = coalesce(qty, 0) + 1 WHERE id = %(i)s",
                                             {"i": 1 + (n * 7919) % ROWS})
                    else:
                        conn.exec_driver_sql("SELECT qty FROM item WHERE id = %(i)s", {"i": 1 + n % ROWS}).all()
                    conn.commit()
                except sa.exc.DBAPIError as exc:
                    conn.rollback()
                    self.errors.append(str(exc).splitlines()[0])
                self.latencies.append((time.monotonic() - started, kind))
                time.sleep(0.002)

    @property
    def longest(self) -> tuple[float, str]:
        return max(self.latencies)


def test_while_the_table_is_read_and_written_no_operation_waits_longer_than_the_lock_timeout(pg_url, tmp_path):
    _populate(pg_url)
    config = _project(tmp_path / "p", pg_url)
    _write(config, _online(PLAIN), lock=("500ms", 10))
    notices: list[str] = []
    with Workload(pg_url) as workload:
        time.sleep(0.3)
        api.upgrade(config, emit=lambda e: notices.append(e.text) if isinstance(e, Notice) else None)
        time.sleep(0.3)
    assert not workload.errors, workload.errors[:3]
    assert len(workload.latencies) > 100
    longest, kind = workload.longest
    print(f"\n{len(workload.latencies)} operations; longest {kind} {longest * 1000:.0f} ms")
    assert longest < 0.5 + 0.4, f"a {kind} waited {longest:.2f} s"
    assert _scalar(pg_url, "SELECT count(*) FROM pg_constraint WHERE conrelid = 'item'::regclass AND contype = 'c'") == 1
    assert _scalar(pg_url, "SELECT count(*) FROM item WHERE qty IS NULL") == 0


# --- (c) lock_timeout and retries ----------------------------------------------------------------------------


@contextlib.contextmanager
def _table_locked(url: str, seconds: float) -> Iterator[threading.Thread]:
    """Another session holds ACCESS SHARE on ``item`` (an open transaction that read it) for ``seconds``."""
    engine = create_engine(url)
    holding = threading.Event()

    def hold() -> None:
        with engine.connect() as conn:
            conn.exec_driver_sql("LOCK TABLE item IN ACCESS SHARE MODE")
            holding.set()
            time.sleep(seconds)
            conn.rollback()

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    assert holding.wait(10)
    try:
        yield thread
    finally:
        thread.join(seconds + 10)
        engine.dispose()


def _reads(url: str, stop: threading.Event, waits: list[float]) -> None:
    """A reader that times each read of ``item`` (it queues behind a waiting ALTER TABLE)."""
    with _engine(url) as engine, engine.connect() as conn:
        while not stop.is_set():
            started = time.monotonic()
            conn.exec_driver_sql("SELECT count(*) FROM item WHERE id < 50").all()
            conn.commit()
            waits.append(time.monotonic() - started)
            time.sleep(0.01)


ONLINE_STEPS = [
    o.CreateIndex("item", Index("ix_item_qty", ("qty",)), concurrently=True),
    o.AddConstraint("item", Check("qty >= 0", "item_qty_check")),
]


def test_a_lock_not_granted_in_time_is_retried_until_it_is(pg_url, tmp_path):
    _populate(pg_url, rows=5_000)
    config = _project(tmp_path / "p", pg_url)
    rev = _write(config, ONLINE_STEPS, lock=("500ms", 10))
    events: list[object] = []
    stop, waits = threading.Event(), []
    with _table_locked(pg_url, 3.0):
        reader = threading.Thread(target=_reads, args=(pg_url, stop, waits), daemon=True)
        reader.start()
        started = time.monotonic()
        api.upgrade(config, emit=events.append)
        took = time.monotonic() - started
        stop.set()
        reader.join(10)
    retries = [e.text for e in events if isinstance(e, Notice) and "lock not granted" in e.text]
    assert retries, events
    assert retries[0].startswith("lock not granted within 0.5s on ALTER TABLE item ADD CONSTRAINT item_qty_check")
    assert retries[0].endswith("; retry 1 of 10")
    assert took >= 2.5  # it went on only once the lock was released
    assert max(waits) < 0.5 + 0.4, f"a read waited {max(waits):.2f} s"
    print(f"\n{len(retries)} retries; {took:.2f} s; longest read {max(waits) * 1000:.0f} ms")
    assert _scalar(pg_url, "SELECT count(*) FROM pg_constraint WHERE conname = 'item_qty_check'") == 1
    assert _scalar(pg_url, "SELECT count(*) FROM pg_index WHERE NOT indisvalid") == 0
    assert _scalar(pg_url, "SELECT status FROM dbshift_history WHERE revision = %s" % repr(rev)) == "applied"
    assert _scalar(pg_url, "SHOW lock_timeout") == "0"  # a new session: nothing leaked into the server's default


def test_after_the_last_retry_the_migration_fails_with_one_line_and_nothing_applied(pg_url, tmp_path):
    _populate(pg_url, rows=5_000)
    config = _project(tmp_path / "p", pg_url)
    _write(config, [o.AddConstraint("item", Check("qty >= 0", "item_qty_check")),
                    o.AlterColumn("item", QTY, Column("qty", "integer", nullable=True, comment="how many"))],
           lock=("300ms", 1))
    events: list[object] = []
    before = _rows(pg_url)
    with _table_locked(pg_url, 4.0):
        with pytest.raises(MigrationFailed) as failed:
            api.upgrade(config, emit=events.append)
    message = str(failed.value)
    assert "\n" not in message and "lock" in message, message
    assert [e.text for e in events if isinstance(e, Notice) and "lock not granted" in e.text] == [
        "lock not granted within 0.3s on ALTER TABLE item ADD CONSTRAINT item_qty_check CHECK (qty >= 0); retry 1 of 1"
    ]
    assert _scalar(pg_url, "SELECT count(*) FROM pg_constraint WHERE conname = 'item_qty_check'") == 0
    assert _scalar(pg_url, "SELECT count(*) FROM dbshift_history WHERE status = 'applied'") == 0
    assert _rows(pg_url) == before
    api.upgrade(config)  # once nobody holds the table, it runs
    assert _scalar(pg_url, "SELECT count(*) FROM pg_constraint WHERE conname = 'item_qty_check'") == 1


# --- (d) a concurrent build that fails -------------------------------------------------------------------------


def test_a_failed_concurrent_unique_build_leaves_no_invalid_index_and_runs_once_the_data_is_fixed(pg_url, tmp_path):
    _populate(pg_url, rows=20_000, duplicate_codes=True)
    config = _project(tmp_path / "p", pg_url)
    _write(config, [o.CreateIndex("item", Index("item_code_key", ("code",), unique=True), concurrently=True),
                    o.AddConstraint("item", Unique(("code",), "item_code_key"), using_index="item_code_key")])
    with pytest.raises(UnacknowledgedFinding):  # lint reads the duplicates first
        api.upgrade(config)
    path = next(config.migrations.glob("*.py"))  # the build itself must fail: run it anyway
    path.write_text(path.read_text() + '\nlint_ignore = {"DS112": "the build is meant to fail here"}\n')
    with pytest.raises(MigrationFailed) as failed:
        api.upgrade(config)
    assert "\n" not in str(failed.value) and "item_code_key" in str(failed.value)
    assert _scalar(pg_url, "SELECT count(*) FROM pg_class WHERE relname = 'item_code_key'") == 0
    assert _scalar(pg_url, "SELECT count(*) FROM dbshift_history WHERE status = 'applied'") == 0
    with _engine(pg_url) as engine, engine.begin() as conn:
        conn.exec_driver_sql("UPDATE item SET code = 'c' || id")
    api.upgrade(config)
    assert _scalar(pg_url, "SELECT count(*) FROM pg_constraint WHERE conname = 'item_code_key' AND contype = 'u'") == 1
    assert _scalar(pg_url, "SELECT count(*) FROM pg_index WHERE NOT indisvalid") == 0


# --- a batched backfill elsewhere ------------------------------------------------------------------------------


@pytest.mark.parametrize("url_fixture", ["mysql_url", "sqlite_url"])
def test_a_batched_backfill_fills_every_row_on_mariadb_and_sqlite(url_fixture, request, tmp_path):
    url = request.getfixturevalue(url_fixture)
    with _engine(url) as engine, engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE item (id integer PRIMARY KEY, qty integer)")
        conn.exec_driver_sql("INSERT INTO item (id, qty) VALUES " + ", ".join(f"({i}, NULL)" for i in range(1, 2501)))
    config = _project(tmp_path / "p", url)
    _write(config, [o.Backfill("item", "qty", "0", batch_size=1000), o.AlterColumn("item", QTY, QTY_NOT_NULL)])
    api.upgrade(config)
    assert _scalar(url, "SELECT count(*) FROM item WHERE qty = 0") == 2500


# --- autogenerate ------------------------------------------------------------------------------------------------


def _models() -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table("owner", metadata, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False))
    sa.Table(
        "item", metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("owner_id", sa.Integer, sa.ForeignKey("owner.id", name="item_owner_fk")),
        sa.Column("code", sa.Text, unique=True),
        sa.Column("qty", sa.Integer, nullable=False, default=0),
        sa.Index("ix_item_qty", "qty"),
        sa.CheckConstraint("qty >= 0", name="item_qty_check"),
    )
    return metadata


def test_autogenerate_writes_the_online_forms_and_lock_settings_for_the_large_tables_it_is_given(pg_url, tmp_path):
    _populate(pg_url, rows=5_000)
    config = Config(root=tmp_path, migrations=tmp_path / "migrations", url=pg_url, url_source="test",
                    metadata_object=_models(), lock_timeout="750ms", lock_retries=4)
    config.migrations.mkdir()
    written = api.revision(config, "online", autogenerate=True, large_tables={"item"})
    assert written.path is not None
    text = written.path.read_text()
    assert 'lock_timeout = "750ms"\nlock_retries = 4\n' in text
    assert "concurrently=True" in text and "valid=False" in text and "ValidateConstraint(" in text
    assert "using_index=" in text and "batch_size=10000" in text
    api.upgrade(config)
    assert api.check(config).ops == ()
    assert _scalar(pg_url, "SELECT count(*) FROM pg_index WHERE NOT indisvalid") == 0
    api.downgrade(config, "base")
    assert _scalar(pg_url, "SELECT count(*) FROM pg_constraint WHERE conrelid = 'item'::regclass") == 1  # the pkey


def test_without_large_tables_autogenerate_writes_the_plain_forms(pg_url, tmp_path):
    _populate(pg_url, rows=100)
    config = Config(root=tmp_path, migrations=tmp_path / "migrations", url=pg_url, url_source="test",
                    metadata_object=_models())
    config.migrations.mkdir()
    text = api.revision(config, "plain", autogenerate=True).path.read_text()
    assert "concurrently" not in text and "lock_timeout" not in text and "ValidateConstraint" not in text
