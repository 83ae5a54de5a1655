"""The suite's own databases: made and dropped on kept admin connections, which survive their sessions ending."""

from __future__ import annotations

import sqlalchemy as sa

from tests.conftest import PG_ADMIN_URL
from tests.databases import Databases


def test_admin_sessions_ended_by_a_test_are_replaced(postgres_server) -> None:
    databases = Databases(sa.engine.make_url(PG_ADMIN_URL), lambda name: f'CREATE DATABASE "{name}"',
                          lambda name: f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    first = databases.take()
    databases.give_back(first)
    databases.wait_for_drops()
    kept = [conn.info.backend_pid for conn in list(databases.idle.queue)]
    assert kept, "a connection is kept between statements"
    with postgres_server.admin.connect() as conn:  # as a test that kills sessions would
        for pid in kept:
            conn.exec_driver_sql(f"SELECT pg_terminate_backend({pid})")
    second = databases.take()
    databases.give_back(second)
    databases.close()  # every database made is dropped, or this raises naming those left behind
    with postgres_server.admin.connect() as conn:
        names = [sa.engine.make_url(url).database for url in (first, second)]
        left = conn.exec_driver_sql("SELECT count(*) FROM pg_database WHERE datname = ANY(%(n)s)", {"n": names})
        assert left.scalar() == 0
