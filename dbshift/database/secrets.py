"""Secrets never shown: a password is hidden in every form a URL or a driver's message can carry it.

:func:`mask` and :func:`mask_text` hide it in the userinfo, written raw (``@``,
``:`` and ``/`` included) or URL-encoded; as a ``password=``/``passwd=`` query
parameter; in ``key=value`` connection strings and in mappings a driver
echoes; :func:`scrub` also removes known secrets wherever they appear.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import quote, quote_plus

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

#: Names under which a connection string or a query carries a password.
SECRET_KEYS = ("password", "passwd", "pwd", "sslpassword")
HIDDEN = "***"

_SCHEME = re.compile(r"[A-Za-z][\w+.-]*://")
_URL_END = re.compile(r"[\s'\"<>`]")
_KEY_VALUE = re.compile(
    r"(?i)\b(" + "|".join(SECRET_KEYS) + r")(\s*(?:=|%3D)\s*)('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[^\s&;,'\"()]+)"
)
_MAPPING = re.compile(
    r"(?i)(['\"]?)\b(" + "|".join(SECRET_KEYS) + r")\1(\s*:\s*)('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")"
)


def mask(url: str | URL) -> str:
    """The URL (or connection string) with every password replaced by ``***``."""
    if not isinstance(url, str):  # a SQLAlchemy URL
        return mask_text(url.render_as_string(hide_password=True))
    return mask_text(str(url))


def mask_text(text: str) -> str:
    """``text`` with the passwords of every URL, ``key=value`` connection string and echoed mapping hidden."""
    parts, at = [], 0
    for found in _SCHEME.finditer(text):
        if found.start() < at:
            continue
        end = _URL_END.search(text, found.end())
        stop = end.start() if end else len(text)
        parts += [text[at:found.start()], _mask_url(text[found.start():stop])]
        at = stop
    text = "".join(parts) + text[at:]
    text = _KEY_VALUE.sub(lambda m: f"{m.group(1)}{m.group(2)}{HIDDEN}", text)
    return _MAPPING.sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(1)}{m.group(3)}{m.group(4)[0]}{HIDDEN}{m.group(4)[0]}", text)


def _mask_url(token: str) -> str:
    scheme, _, rest = token.partition("://")
    end = userinfo_end(rest)
    if end >= 0:
        user, colon, _ = rest[:end].partition(":")
        if colon:
            rest = f"{user}:{HIDDEN}{rest[end:]}"
    return f"{scheme}://{rest}"


def userinfo_end(rest: str) -> int:
    """Where the userinfo of a URL ends in ``rest`` (the text after ``://``): the index of its ``@``, or -1.

    The user name holds none of ``:/?#@``; a password written raw may hold
    ``@``, ``:``, ``/`` and ``?``, so it runs to the last ``@`` — unless that
    ``@`` is in the query string (``?key=a@b``), then to the last one before it.
    ``host:5432/db`` is a port, not a password.
    """
    first = rest.find("@")
    if first < 0:
        return -1
    user_end = min(i for i in (rest.find(":"), first) if i >= 0)
    if any(c in rest[:user_end] for c in "/?#"):
        return -1
    if user_end == first:  # a user without a password
        return first
    if re.match(r":\d*(?:[/?]|$)", rest[user_end:]):  # host:port
        return -1
    last = rest.rfind("@")
    query = rest.find("?", first, last)
    if query >= 0 and "=" in rest[query:last]:
        return rest.rfind("@", 0, query)
    return last


def scrub(text: str, *secrets: str | None) -> str:
    """``text`` masked (:func:`mask_text`), with each of ``secrets`` (raw or URL-encoded) replaced anywhere."""
    text = mask_text(text)
    for secret in secrets:
        if secret:
            for form in dict.fromkeys((secret, quote(secret, safe=""), quote_plus(secret))):
                text = text.replace(form, HIDDEN)
    return text
