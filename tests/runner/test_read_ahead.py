"""``check`` and autogenerate read the database on a second connection while the models load; whenever that
cannot give the answer (models in another schema, a second connection refused), the first connection reads it,
and the answer is the same."""

from __future__ import annotations

import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from dbshift import api
from dbshift.api import schemas as schemas_module
from dbshift.config import Config
from dbshift.core import ops as o
from dbshift.sqla import reflect as reflect_package


MODELS = """\
import sqlalchemy as sa

metadata = sa.MetaData()
sa.Table("shop", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(40)),
         *([sa.Column("note", sa.Text)] if {extra_column!r} else []), schema={schema!r})
"""


def _models(*, extra_column: bool = False, schema: str | None = None) -> sa.MetaData:
    """The models of a module written from :data:`MODELS`, built here."""
    namespace: dict = {}
    exec(MODELS.format(extra_column=extra_column, schema=schema), namespace)  # noqa: S102 - the test's own text
    return namespace["metadata"]


def _config(tmp_path: Path, url: str, *, extra_column: bool = False, schema: str | None = None) -> Config:
    """The models of :func:`_models`, in a module of the project the command imports, as ``dbshift`` does."""
    (tmp_path / "migrations").mkdir(exist_ok=True)
    module = f"models_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{module}.py").write_text(MODELS.format(extra_column=extra_column, schema=schema))
    return Config(root=tmp_path, migrations=tmp_path / "migrations", url=url, url_source="test",
                  metadata=f"{module}:metadata")


def _given(tmp_path: Path, url: str, metadata: sa.MetaData) -> Config:
    """Models given in memory (a Flask application, a program calling the API)."""
    (tmp_path / "migrations").mkdir(exist_ok=True)
    return Config(root=tmp_path, migrations=tmp_path / "migrations", url=url, url_source="test",
                  metadata_object=metadata)


def _create(url: str, metadata: sa.MetaData, *statements: str) -> None:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)
        metadata.create_all(conn)
    engine.dispose()


@pytest.fixture
def readers(monkeypatch) -> list[str]:
    """The names of the threads that read a database's schema, in turn."""
    names: list[str] = []
    original = reflect_package.reflect

    def reflect(*args, **kwargs):
        names.append(threading.current_thread().name)
        return original(*args, **kwargs)

    monkeypatch.setattr(reflect_package, "reflect", reflect)
    return names


def test_the_database_read_during_the_models_import_is_the_one_compared(pg_url, tmp_path, readers):
    _create(pg_url, _models())
    assert api.check(_config(tmp_path, pg_url)).ok
    result = api.check(_config(tmp_path, pg_url, extra_column=True))
    assert [type(op) for op in result.ops] == [o.AddColumn]
    assert readers == ["dbshift-read-ahead"] * 2  # read once each, beside the models' import


def test_models_in_another_schema_are_read_with_it(pg_url, tmp_path, readers):
    _create(pg_url, _models(schema="sales"), "CREATE SCHEMA sales")
    assert api.check(_config(tmp_path, pg_url, schema="sales")).ok
    assert readers == ["dbshift-read-ahead", "MainThread"]  # the default schema ahead, then both
    result = api.check(_config(tmp_path, pg_url, schema="sales", extra_column=True))
    assert [(type(op), op.schema, op.table) for op in result.ops] == [(o.AddColumn, "sales", "shop")]


def test_models_given_in_memory_are_read_on_the_one_connection_unless_they_are_many(pg_url, tmp_path, readers):
    """Models already in memory leave little to wait for: a second connection would cost more than it wins back,
    unless the models are many (turning them into a schema then takes a while)."""
    _create(pg_url, _models())
    assert api.check(_given(tmp_path, pg_url, _models())).ok
    assert readers == ["MainThread"]
    many = _models()
    for n in range(schemas_module.READ_AHEAD_TABLES):
        sa.Table(f"t{n:03d}", many, sa.Column("id", sa.Integer, primary_key=True))
    result = api.check(_given(tmp_path, pg_url, many))
    assert len(result.ops) == schemas_module.READ_AHEAD_TABLES  # a CreateTable each: the tables are not there
    assert readers == ["MainThread", "dbshift-read-ahead"]


@pytest.fixture
def one_connection_url(pg_url):
    """The database at ``pg_url``, as a role allowed a single connection at a time."""
    role = f"dbshift_one_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    database = sa.engine.make_url(pg_url).database
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE ROLE {role} LOGIN CONNECTION LIMIT 1")
        conn.exec_driver_sql(f'GRANT CONNECT ON DATABASE "{database}" TO {role}')
    yield sa.engine.make_url(pg_url).set(username=role, password=None).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'")
        conn.exec_driver_sql(f'REVOKE CONNECT ON DATABASE "{database}" FROM {role}')
        conn.exec_driver_sql(f"DROP ROLE {role}")
    admin.dispose()


def _no_session_left(pg_url: str, role_url: str) -> None:
    """Return once the server has ended every session of ``role_url``'s role: a backend whose client has closed
    the connection still counts against the role's limit until it has exited."""
    role = sa.engine.make_url(role_url).username
    admin = sa.create_engine(pg_url, poolclass=sa.pool.NullPool)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with admin.connect() as conn:
                if not conn.exec_driver_sql("SELECT count(*) FROM pg_stat_activity WHERE usename = %(role)s",
                                            {"role": role}).scalar():
                    return
            time.sleep(0.02)
        raise AssertionError(f"a session of {role} was still open 10 s after its command ended")
    finally:
        admin.dispose()


def test_a_second_connection_refused_leaves_the_first_to_read(one_connection_url, pg_url, tmp_path, readers):
    _create(pg_url, _models())
    assert api.check(_config(tmp_path, one_connection_url)).ok
    assert readers == ["MainThread"]
    _no_session_left(pg_url, one_connection_url)
    result = api.check(_config(tmp_path, one_connection_url, extra_column=True))
    assert [type(op) for op in result.ops] == [o.AddColumn]
    _no_session_left(pg_url, one_connection_url)
    written = api.revision(_config(tmp_path, one_connection_url, extra_column=True), "note",
                           autogenerate=True)
    assert [type(op) for op in written.ops] == [o.AddColumn]


def test_models_that_fail_to_load_say_so_without_waiting_for_the_read(pg_url, tmp_path):
    _create(pg_url, _models())
    (tmp_path / "migrations").mkdir(exist_ok=True)
    (tmp_path / "broken_models.py").write_text("raise RuntimeError('the models are broken')\n")
    config = Config(root=tmp_path, migrations=tmp_path / "migrations", url=pg_url, url_source="test",
                    metadata="broken_models:metadata")
    with pytest.raises(Exception, match="the models are broken"):
        api.check(config)


def test_the_read_ahead_gets_the_interpreter_often_and_leaves_its_switch_interval_as_it_was(pg_url, tmp_path,
                                                                                           monkeypatch):
    """The reader's round trips each wait for the models' import to let go of the interpreter: every 1 ms during
    the read instead of every 5, and as before once the command is done, whether the read succeeded or not."""
    _create(pg_url, _models())
    seen: list[float] = []
    original = reflect_package.reflect

    def reflect(*args, **kwargs):
        seen.append(sys.getswitchinterval())
        if len(seen) == 2:
            raise RuntimeError("the read fails")  # the first connection reads again
        return original(*args, **kwargs)

    monkeypatch.setattr(reflect_package, "reflect", reflect)
    for thread in threading.enumerate():  # a read an earlier test left running, unwaited, ends first
        if thread.name == "dbshift-read-ahead":
            thread.join()
    before = sys.getswitchinterval()
    assert before > 0.001
    assert api.check(_config(tmp_path, pg_url)).ok
    assert sys.getswitchinterval() == before
    assert api.check(_config(tmp_path, pg_url)).ok  # the read ahead failed; the first connection read
    assert seen == [0.001, 0.001, before] and sys.getswitchinterval() == before


def test_reads_side_by_side_in_several_threads_put_the_switch_interval_back_once_the_last_ends():
    """Two checks of one program at once (or one whose read ahead outlives it): the interval each finds may be
    the other's; the one the program had comes back when the last read ends, not before."""
    from dbshift.api.side_by_side import switching_often

    before = sys.getswitchinterval()
    first, second = switching_often(), switching_often()
    first.__enter__()
    entered, ended = threading.Event(), threading.Event()

    def other() -> None:
        with second:
            entered.set()
            ended.wait(5)

    thread = threading.Thread(target=other)
    thread.start()
    assert entered.wait(5)
    first.__exit__(None, None, None)
    assert sys.getswitchinterval() == 0.001  # the other read still runs
    ended.set()
    thread.join()
    assert sys.getswitchinterval() == before
