"""PyMySQL connections that prefer TLS without paying for certificates they never check.

Given no TLS option, PyMySQL 2 *prefers* TLS: it offers it to a server that supports it and goes on in the
clear with one that does not.  For that it builds a fresh ``ssl.create_default_context()`` on every
connection, loading the system's CA certificates each time (some 20 ms, fifty times the cost of connecting to
a local server), then turns certificate checking off, so those certificates are never read.  The connections
made here behave the same (TLS when the server offers it, unverified, as PyMySQL's preference is) with one
context made per process, without the certificates.  A URL that asks for TLS (``ssl_ca``, ``ssl=…``) gets
PyMySQL's own handling, verification included.
"""

from __future__ import annotations

import ssl
from functools import lru_cache
from typing import Any

import pymysql  # type: ignore[import-untyped]


@lru_cache(maxsize=None)
def preferred_context() -> ssl.SSLContext:
    """The context of a TLS connection PyMySQL would make unverified anyway, made once."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class Connection(pymysql.connections.Connection):
    """``pymysql.connect(...)``, sharing :func:`preferred_context` when no TLS option is given."""

    def _create_ssl_ctx(self, sslp: Any) -> ssl.SSLContext:
        if isinstance(sslp, dict) and not sslp:  # no TLS option: PyMySQL's preference, never verified
            return preferred_context()
        return super()._create_ssl_ctx(sslp)


def connect(*args: Any, **kwargs: Any) -> Any:
    """A PyMySQL connection, as ``pymysql.connect`` makes it (see :class:`Connection`)."""
    return Connection(*args, **kwargs)
