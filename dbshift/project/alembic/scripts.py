"""Alembic's script folder read as dbshift revisions, from the scripts' headers only (nothing is imported).

A script folder holds ``env.py`` and a ``versions/`` folder of scripts, each
declaring (Alembic's template)::

    revision = "27e81ea4d86"
    down_revision = "a2b4c6d8e0f1"        # None for a base, a tuple for a merge
    branch_labels = ("billing",)           # optional
    depends_on = "3f1c2b"                  # optional: ids, unique prefixes or branch labels

The revision's parents are its ``down_revision`` ids followed by its
``depends_on`` ones (a dependency must be applied first, exactly like a
parent); its message is the first line of the module docstring.  References
resolve as Alembic resolves them: an exact id, a branch label (the revision
declaring it), or a unique id prefix.
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

from ...core.errors import DbshiftError
from ...core.graph import Revision
from ...core.values import frozen

__all__ = [
    "AlembicHeader", "BadAlembicReference", "BadAlembicScript", "is_script_folder", "is_script", "read_header",
    "revisions", "version_table_name", "VERSION_TABLE", "FOLDER_FILES",
]

VERSION_TABLE = "alembic_version"
FOLDER_FILES = ("env.py",)  # Alembic's own files in the script folder: not migrations
_HEADER_NAMES = ("revision", "down_revision", "branch_labels", "depends_on")
_VERSION_TABLE_ARG = re.compile(r"""\bversion_table\s*=\s*(['"])([^'"]+)\1""")


class BadAlembicScript(DbshiftError):
    """An Alembic script whose header cannot be read: a syntax error, a value that is not a literal."""

    def __init__(self, path: str | os.PathLike[str], detail: str) -> None:
        self.path, self.detail = str(path), detail
        super().__init__(f"bad Alembic script {self.path}: {detail}")


class BadAlembicReference(DbshiftError):
    """A ``down_revision``/``depends_on`` naming no revision, or a prefix naming several."""

    def __init__(self, path: str, field: str, ref: str, matches: list[str] | None = None) -> None:
        self.path, self.field, self.ref, self.matches = path, field, ref, matches or []
        what = f"matches several revisions ({', '.join(self.matches)})" if self.matches else "names no revision"
        super().__init__(f"Alembic script {path}: {field} {ref!r} {what}")


@frozen
class AlembicHeader:
    """What an Alembic script declares about its place in the history."""

    revision: str
    down_revision: tuple[str, ...]
    branch_labels: tuple[str, ...]
    depends_on: tuple[str, ...]
    message: str
    path: Path


def is_script_folder(directory: Path) -> bool:
    """Whether ``directory`` is an Alembic script folder: ``env.py`` beside a ``versions/`` folder."""
    directory = Path(directory)
    return (directory / "env.py").is_file() and (directory / "versions").is_dir()


def is_script(path: Path) -> bool:
    """Whether ``path`` is a script in an Alembic script folder's ``versions/``."""
    path = Path(path)
    return path.suffix == ".py" and path.parent.name == "versions" and is_script_folder(path.parent.parent)


def version_table_name(directory: Path) -> str:
    """The version table ``env.py`` configures (``version_table="..."``), else ``alembic_version``."""
    try:
        text = (Path(directory) / "env.py").read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return VERSION_TABLE
    match = _VERSION_TABLE_ARG.search(text)
    return match.group(2) if match else VERSION_TABLE


def read_header(path: Path) -> AlembicHeader | None:
    """The header of the script at ``path``; None for a file that declares no ``revision`` (a helper module).

    ``BadAlembicScript`` for a script that cannot be parsed or whose header values are not literals.
    """
    path = Path(path)
    try:
        tree = ast.parse(path.read_bytes(), str(path))
    except SyntaxError as exc:
        raise BadAlembicScript(path, f"line {exc.lineno}: SyntaxError: {exc.msg}") from None
    except (OSError, ValueError) as exc:
        raise BadAlembicScript(path, str(exc)) from None
    values: dict[str, object] = {}
    for node in tree.body:
        target, value = _assignment(node)
        if target in _HEADER_NAMES and target not in values and value is not None:
            try:
                values[target] = ast.literal_eval(value)
            except ValueError:
                raise BadAlembicScript(path, f"line {node.lineno}: {target} must be a literal value") from None
    rev_id = values.get("revision")
    if rev_id is None:
        return None
    if not isinstance(rev_id, str) or not rev_id or re.search(r"[\s,]", rev_id):
        raise BadAlembicScript(path, "revision must be a non-empty string without spaces or commas")
    fields = {name: _ids(path, name, values.get(name)) for name in _HEADER_NAMES[1:]}
    doc = ast.get_docstring(tree) or ""
    message = next((line.strip() for line in doc.splitlines() if line.strip()), "")
    return AlembicHeader(rev_id, fields["down_revision"], fields["branch_labels"], fields["depends_on"], message, path)


def _assignment(node: ast.stmt) -> tuple[str | None, ast.expr | None]:
    """``(name, value)`` of a top-level ``name = value`` or ``name: type = value``."""
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id, node.value
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.target.id, node.value
    return None, None


def _ids(path: Path, name: str, raw: object) -> tuple[str, ...]:
    if raw is None or raw == "":
        return ()
    if isinstance(raw, str):
        return (raw,)
    if isinstance(raw, (tuple, list, set, frozenset)) and all(isinstance(i, str) and i for i in raw):
        return tuple(raw)
    raise BadAlembicScript(path, f"{name} must be None, a string or a tuple of strings")


def headers(directory: Path) -> list[AlembicHeader]:
    """The header of every script in the folder's ``versions/`` (files without a ``revision`` are skipped)."""
    versions = Path(directory) / "versions"
    with os.scandir(versions) as entries:
        names = sorted(e.name for e in entries if e.name.endswith(".py") and not e.name.startswith(("_", ".")))
    found = []
    for name in names:
        header = read_header(versions / name)
        if header is not None:
            found.append(header)
    return found


def revisions(directory: Path) -> list[Revision]:
    """The scripts of an Alembic script folder as revisions, their references resolved to ids."""
    found = headers(directory)
    ids = sorted(h.revision for h in found)
    labels: dict[str, str] = {}
    for h in found:
        for label in h.branch_labels:
            labels.setdefault(label, h.revision)

    def resolve(h: AlembicHeader, field: str, ref: str) -> str:
        if ref in ids:
            return ref
        if ref in labels:
            return labels[ref]
        matches = [i for i in ids if i.startswith(ref)]
        if len(matches) != 1:
            raise BadAlembicReference(str(h.path), field, ref, matches)
        return matches[0]

    result = []
    for h in found:
        parents = [resolve(h, "down_revision", r) for r in h.down_revision]
        parents += [resolve(h, "depends_on", r) for r in h.depends_on]
        result.append(Revision(h.revision, tuple(dict.fromkeys(parents)), h.message, str(h.path)))
    return result
