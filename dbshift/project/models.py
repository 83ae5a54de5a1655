"""Loading the application's SQLAlchemy ``MetaData`` from a ``module:attribute`` reference."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.errors import DbshiftError

if TYPE_CHECKING:
    from sqlalchemy import MetaData


class ModelsNotFound(DbshiftError):
    def __init__(self, reference: str, detail: str) -> None:
        self.reference, self.detail = reference, detail
        super().__init__(f"cannot load models {reference!r}: {detail}")


def load_metadata(reference: str, root: Path) -> MetaData:
    """Import ``package.module:Attr.metadata`` with ``root`` on the import path."""
    import sqlalchemy as sa

    module_name, _, attribute = reference.partition(":")
    if not module_name or not attribute:
        raise ModelsNotFound(reference, "expected 'package.module:Base.metadata'")
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    obj: Any
    try:
        obj = importlib.import_module(module_name)
    except Exception as exc:  # noqa: BLE001 - the user's module may raise anything at import
        first_line = str(exc).splitlines()[0] if str(exc) else ""
        where = failing_line(exc, root)
        raise ModelsNotFound(reference, f"{where + ': ' if where else ''}{type(exc).__name__}: {first_line}") from None
    for part in attribute.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise ModelsNotFound(reference, f"{module_name} has no attribute {attribute!r}") from None
    if isinstance(obj, sa.MetaData):
        return obj
    if isinstance(getattr(obj, "metadata", None), sa.MetaData):
        return obj.metadata
    raise ModelsNotFound(reference, f"{attribute} is a {type(obj).__name__}, not a SQLAlchemy MetaData")


def failing_line(exc: BaseException, root: Path) -> str | None:
    """``shop/models.py, line 3``: where in the project (under ``root``) importing the models failed; the
    innermost such frame (a syntax error: its own file and line); None when no project file is involved."""
    import traceback

    frames: list[tuple[str, int | None]]
    if isinstance(exc, SyntaxError) and exc.filename and exc.lineno:
        frames = [(exc.filename, exc.lineno)]
    else:
        frames = [(f.filename, f.lineno) for f in traceback.extract_tb(exc.__traceback__)]
    for filename, line in reversed(frames):
        path = Path(filename)
        try:
            shown = path.resolve().relative_to(root.resolve())
        except (ValueError, OSError):
            continue
        return f"{shown}, line {line}"
    return None
