"""The one shape of a round-trip case, shared by the modules that keep a table of them.

A case is a pair of models (A → B), the SQL that seeds rows once A is applied,
the rows that must survive every step (``{table: columns}``) and the dialects
it runs on.  It lives here rather than in ``conftest.py``: pytest loads a
conftest as a module of its own, so importing the class from it would make a
second copy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import sqlalchemy as sa

Build = Callable[[sa.MetaData], None]

ALL: tuple[str, ...] = ("sqlite", "postgresql", "mariadb")


@dataclass(frozen=True)
class Case:
    a: Build
    b: Build | None  # None: the test builds B for each dialect itself
    seed: list[str] = field(default_factory=list)
    keep: dict[str, str] = field(default_factory=dict)
    dialects: tuple[str, ...] = ALL
