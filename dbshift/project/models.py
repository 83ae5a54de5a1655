"""Loading the application's SQLAlchemy ``MetaData`` from a ``module:attribute`` reference."""

from __future__ import annotations

import contextlib
import gc
import importlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from ..core.errors import DbshiftError

if TYPE_CHECKING:
    from sqlalchemy import MetaData


class ModelsNotFound(DbshiftError):
    def __init__(self, reference: str, detail: str) -> None:
        self.reference, self.detail = reference, detail
        super().__init__(f"cannot load models {reference!r}: {detail}")


#: whether this process keeps the models it imports to its end, and ends soon after its command (``dbshift``'s
#: own process: :func:`dbshift.cli.process.run` sets it): they are then imported :func:`kept_to_the_end`
KEPT_TO_THE_END = False


@contextlib.contextmanager
def kept_to_the_end() -> Iterator[None]:
    """No garbage collection during the block; after it, every object there is is left out of all later
    collections (:func:`gc.freeze`), though still freed when no longer referenced.

    For what lives until the process ends, such as the models: a collection finds nothing there to free, but
    scans every object made so far, and the older generations again and again (10,000 tables: 0.9 s of
    importing the models, 0.2 to 0.5 s of a ``check`` afterwards; the same peak memory).  What the block leaves
    as garbage in reference cycles stays until the process ends."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        gc.freeze()


def kept_if_ending_soon() -> contextlib.AbstractContextManager[None]:
    """:func:`kept_to_the_end` in a process that ends soon after its command (:data:`KEPT_TO_THE_END`); elsewhere
    (a program, a test suite running many commands) nothing."""
    return kept_to_the_end() if KEPT_TO_THE_END else contextlib.nullcontext()


def load_metadata(reference: str, root: Path) -> MetaData:
    """Import ``package.module:Attr.metadata`` with ``root`` on the import path (:func:`kept_if_ending_soon`)."""
    import sqlalchemy as sa

    with kept_if_ending_soon():
        obj = load_attribute(reference, root, "package.module:Base.metadata")
    if isinstance(obj, sa.MetaData):
        return obj
    if isinstance(getattr(obj, "metadata", None), sa.MetaData):
        return obj.metadata
    attribute = reference.partition(":")[2]
    raise ModelsNotFound(reference, f"{attribute} is a {type(obj).__name__}, not a SQLAlchemy MetaData")


def load_attribute(reference: str, root: Path, expected: str) -> Any:
    """Import ``package.module:attribute.path`` with ``root`` on the import path (``expected`` shows the form)."""
    module_name, _, attribute = reference.partition(":")
    if not module_name or not attribute:
        raise ModelsNotFound(reference, f"expected {expected!r}")
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
    return obj


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
