"""Views, functions and triggers declared beside the models, for ``check`` and ``revision --autogenerate``.

::

    from dbshift.objects import Function, Trigger, View, register

    active_users = View("active_users", "SELECT id, email FROM users WHERE active")
    touch = Function('''
        CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN NEW.updated_at := now(); RETURN NEW; END $$''', dialect="postgresql")
    touch_orders = Trigger(
        "CREATE TRIGGER touch BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION touch()",
        dialect="postgresql")

    register(Base.metadata, active_users, touch, touch_orders)

or name a list of them in ``pyproject.toml``: ``[tool.dbshift] objects = "shop.db:OBJECTS"``.

A view holds its query; a function, procedure or trigger holds the ``CREATE``
statement written for its database (``dialect`` limits it to some databases).
``check`` compares each with the database as the database prints it, and
autogenerate writes migrations that create, replace and drop them.  Objects
the models do not declare are left alone unless ``manage_objects = true``.

Coming from alembic_utils: :func:`from_alembic_utils` turns a ``PGView``,
``PGMaterializedView``, ``PGFunction``, ``PGProcedure`` or ``PGTrigger`` into
the declaration here (``register`` does it for you).
"""

from __future__ import annotations

from typing import Any, Iterable

from .core.declarations import (
    REGISTRY_KEY, Declaration, Function, MaterializedView, NotADeclaration, Procedure, Trigger, View,
)

__all__ = [
    "View", "MaterializedView", "Function", "Procedure", "Trigger", "register", "registered", "from_alembic_utils",
    "NotADeclaration",
]

_DECLARATIONS = (View, Function, Trigger)


def register(metadata: Any, *objects: Declaration | Any) -> None:
    """Keep ``objects`` with ``metadata`` (in ``metadata.info``), so that the models declare them.

    alembic_utils entities are taken too (see :func:`from_alembic_utils`); an object already
    registered is not added twice.
    """
    kept: list[Declaration] = metadata.info.setdefault(REGISTRY_KEY, [])
    for obj in objects:
        declared = obj if isinstance(obj, _DECLARATIONS) else from_alembic_utils(obj)
        if declared not in kept:
            kept.append(declared)


def registered(metadata: Any) -> tuple[Declaration, ...]:
    """The objects :func:`register` kept with ``metadata``."""
    return tuple(metadata.info.get(REGISTRY_KEY, ()))


def declarations(objects: Iterable[Declaration | Any]) -> tuple[Declaration, ...]:
    """``objects`` as declarations here: alembic_utils entities turned into them."""
    return tuple(obj if isinstance(obj, _DECLARATIONS) else from_alembic_utils(obj) for obj in objects)


def from_alembic_utils(entity: Any) -> Declaration:
    """The declaration for an alembic_utils ``PGView``, ``PGMaterializedView``, ``PGFunction``,
    ``PGProcedure`` or ``PGTrigger`` (PostgreSQL only, as alembic_utils is)."""
    kind = type(entity).__name__
    schema = getattr(entity, "schema", None)
    signature = getattr(entity, "signature", None)
    definition = getattr(entity, "definition", None)
    if not (isinstance(signature, str) and isinstance(definition, str)):
        raise TypeError(f"not a view, function or trigger declaration: {entity!r}")
    if kind == "PGView":
        return View(signature, definition, schema=schema, dialect="postgresql")
    if kind == "PGMaterializedView":
        return MaterializedView(signature, definition, schema=schema, with_data=getattr(entity, "with_data", True))
    if kind in ("PGFunction", "PGProcedure"):
        word = "PROCEDURE" if kind == "PGProcedure" else "FUNCTION"
        cls = Procedure if kind == "PGProcedure" else Function
        return cls(f"CREATE {word} {_quoted(schema)}.{signature} {definition}", dialect="postgresql")
    if kind == "PGTrigger":
        constraint = "CONSTRAINT " if getattr(entity, "is_constraint", False) else ""
        return Trigger(f'CREATE {constraint}TRIGGER "{signature}" {definition}', dialect="postgresql")
    raise TypeError(f"not a view, function or trigger declaration: {entity!r}")


def _quoted(name: str | None) -> str:
    return '"' + (name or "public").replace('"', '""') + '"'
