"""SQLAlchemy's dialect modules as a migration file names them (``postgresql``, ``mysql``, ``sqlite``),
each imported when first used.

Every migration file gets all three (``from dbshift.migration import *``) and most use none of them,
or only that of the database they run on: importing the others would cost every run 20 to 40 ms.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class DialectModule:
    """``sqlalchemy.dialects.<name>``: its attributes, the module imported on the first one asked for."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    @property
    def module(self) -> ModuleType:
        return importlib.import_module(f"sqlalchemy.dialects.{self.name}")

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self.module, attribute)

    def __dir__(self) -> list[str]:
        return dir(self.module)

    def __repr__(self) -> str:
        return f"<sqlalchemy.dialects.{self.name}, imported when first used>"


postgresql, mysql, sqlite = DialectModule("postgresql"), DialectModule("mysql"), DialectModule("sqlite")
