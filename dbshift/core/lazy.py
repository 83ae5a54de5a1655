"""Package names loaded on first use, so that importing a package costs only what is used from it."""

from __future__ import annotations

import importlib
from typing import Any, Callable, Mapping, Sequence


def lazy_names(package: str, homes: Mapping[str, Sequence[str]], namespace: dict[str, Any]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: each name of ``homes`` (module, relative to ``package`` →
    the names it defines) is imported from its module when first asked for, then kept in ``namespace``."""
    home_of = {name: module for module, names in homes.items() for name in names}

    def __getattr__(name: str) -> Any:
        module = home_of.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        namespace[name] = value
        return value

    return __getattr__
