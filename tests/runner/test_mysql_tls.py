"""MariaDB connections keep PyMySQL's TLS preference with one TLS context per process, and TLS options a URL
gives still reach PyMySQL: the engine dbshift connects with, and the driver-only history read."""

from __future__ import annotations

import ssl

import pytest
import sqlalchemy as sa

from dbshift.database.connect import create_engine
from dbshift.database.mysql_tls import preferred_context


def _context(connection: sa.Connection) -> ssl.SSLContext | None:
    return getattr(connection.connection.dbapi_connection, "ctx", None)


def test_connections_share_one_unverified_context(mysql_url):
    engine = create_engine(mysql_url)
    with engine.connect() as a, engine.connect() as b:
        assert a.exec_driver_sql("SELECT 1").scalar() == 1
        assert _context(a) is _context(b) is preferred_context()
    assert preferred_context().verify_mode == ssl.CERT_NONE and not preferred_context().check_hostname


def test_connecting_loads_no_certificates(mysql_url):
    """Ten connections, one context, and no CA certificate loaded into it (loading them cost 20 ms each time)."""
    engine = create_engine(mysql_url)
    contexts = set()
    for _ in range(10):
        with engine.connect() as conn:
            contexts.add(id(_context(conn)))
    assert contexts == {id(preferred_context())}
    assert preferred_context().cert_store_stats() == {"x509": 0, "crl": 0, "x509_ca": 0}


def test_tls_options_of_the_url_still_reach_the_driver(mysql_url):
    """A CA file in the URL asks for verified TLS: PyMySQL's own context (this server has no TLS: refused)."""
    url = sa.make_url(mysql_url).update_query_dict({"ssl_ca": ssl.get_default_verify_paths().openssl_cafile})
    with pytest.raises(sa.exc.OperationalError, match="SSL"):
        create_engine(url).connect()


def test_the_driver_only_history_read_connects_the_same_way(mysql_url):
    from dbshift.database.direct import _connection
    from dbshift.database.plain import plain_url

    parsed = plain_url(mysql_url)
    assert parsed is not None
    with _connection(parsed) as conn:
        assert conn.ctx is preferred_context()
