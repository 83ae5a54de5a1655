"""Where a front end installs its password prompt (kept apart from :mod:`.connect`, so that a command
that never connects imports no driver and no SQLAlchemy)."""

from __future__ import annotations

import contextvars
from typing import Callable

#: Set by a front end that may ask for a password: ``prompt(masked_url) -> password``.
password_prompt: contextvars.ContextVar[Callable[[str], str] | None] = contextvars.ContextVar(
    "dbshift_password_prompt", default=None
)
