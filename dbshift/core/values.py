"""Frozen value classes: :func:`frozen` is ``@dataclass(frozen=True)`` at half the cost of defining one.

Defining a frozen dataclass compiles six methods from generated source (about a
millisecond a class on Python 3.11), and a command that runs migrations or
compares schemas defines over a hundred of them.  A :func:`frozen` class gets
``__setattr__`` and ``__delattr__`` from :func:`dataclasses.dataclass` as usual,
but shares one ``__eq__``, ``__hash__`` and ``__repr__`` with every other value
class instead of compiling its own.  They answer as the generated ones do:
instances are equal when they are of the same class and their compared fields
are equal, the hash is that of the hashed fields, the repr shows the fields that
have ``repr=True`` (never a ``field(repr=False)`` such as a password).  Its
``__init__`` takes the arguments dataclass's takes, but is written when the class
is first used (most classes a command defines, it never builds) and stores the
fields in the instance's dict directly, at half the cost of a frozen dataclass's
``object.__setattr__`` for each.  A method the class body defines itself is kept,
as dataclass keeps it.
"""

from __future__ import annotations

import dataclasses
from operator import attrgetter
from typing import Any, Callable, TypeVar, dataclass_transform, overload

T = TypeVar("T", bound=type)

_NAMES: dict[tuple[type, str], tuple[str, ...]] = {}  # (class, purpose) → its fields' names
_VALUES: dict[tuple[type, str], Callable[[Any], tuple]] = {}  # (class, purpose) → those fields' values, as a tuple


@overload
def frozen(cls: T, /) -> T: ...


@overload
def frozen(cls: None = None, /, **options: Any) -> Callable[[T], T]: ...


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field, dataclasses.Field))
def frozen(cls: T | None = None, /, **options: Any) -> T | Callable[[T], T]:
    """``@frozen`` or ``@frozen(kw_only=True, …)``: a frozen dataclass (``options`` as :func:`dataclasses.dataclass`
    takes them, but for ``frozen``, ``eq`` and ``repr``) with the shared ``__eq__``, ``__hash__`` and
    ``__repr__``."""

    def define(cls: T) -> T:
        own = cls.__dict__
        explicit_hash = "__hash__" in own and not (own["__hash__"] is None and "__eq__" in own)
        explicit_init = "__init__" in own  # (``own`` is the class's live dict: dataclass adds one)
        made: Any = dataclasses.dataclass(cls, frozen=True, eq=False, repr=False, **options)
        if "__eq__" not in own:
            made.__eq__ = _eq
        if not explicit_hash:
            made.__hash__ = _hash
        if "__repr__" not in own:
            made.__repr__ = _repr
        if not explicit_init and options.get("init", True) and "__slots__" not in made.__dict__:
            made.__init__ = _built_on_first_use(made)
        return made

    return define if cls is None else define(cls)


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is not self.__class__:
        return NotImplemented
    if other is self:
        return True
    values = _values(self.__class__, "compared")
    return values(self) == values(other)


def _hash(self: Any) -> int:
    return hash(_values(self.__class__, "hashed")(self))


def _repr(self: Any) -> str:
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in _names(self.__class__, "shown"))
    return f"{self.__class__.__qualname__}({shown})"


def _built_on_first_use(cls: type) -> Callable[..., None]:
    """An ``__init__`` for ``cls`` that, called first, puts :func:`_direct_init`'s in its place (or, for a class
    it cannot build one for, keeps dataclass's) and runs it."""
    made_by_dataclass = cls.__init__  # type: ignore[misc]

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        init = _direct_init(cls) or made_by_dataclass
        cls.__init__ = init  # type: ignore[misc]
        init(self, *args, **kwargs)

    return __init__


_FACTORY = object()  # the default of a parameter whose field's default a factory makes


def _direct_init(cls: type) -> Callable[..., None] | None:
    """The ``__init__`` dataclass writes for ``cls``, but storing each field in the instance's ``__dict__``
    directly (a frozen dataclass's calls ``object.__setattr__`` for each: twice the time for a column);
    None for a class with a field it does not handle (``init=False``, ``InitVar``, ``ClassVar``)."""
    fields = dataclasses.fields(cls)
    if len(fields) != len(cls.__dataclass_fields__) or not all(f.init for f in fields):  # type: ignore[attr-defined]
        return None
    names: dict[str, Any] = {"_FACTORY": _FACTORY}
    positional: list[str] = []
    keyword: list[str] = []
    body: list[str] = []
    for f in fields:
        if f.default is not dataclasses.MISSING:
            names[f"_default_{f.name}"] = f.default
            parameter, value = f"{f.name}=_default_{f.name}", f.name
        elif f.default_factory is not dataclasses.MISSING:
            names[f"_factory_{f.name}"] = f.default_factory
            parameter, value = f"{f.name}=_FACTORY", f"_factory_{f.name}() if {f.name} is _FACTORY else {f.name}"
        else:
            parameter, value = f.name, f.name
        (keyword if f.kw_only else positional).append(parameter)
        body.append(f"    __values_dict__[{f.name!r}] = {value}\n")
    parameters = ", ".join(["__values_self__", *positional, *(["*", *keyword] if keyword else [])])
    post_init = "    __values_self__.__post_init__()\n" if hasattr(cls, "__post_init__") else ""
    source = (f"def __init__({parameters}):\n    __values_dict__ = __values_self__.__dict__\n"
              f"{''.join(body)}{post_init}")
    exec(source, names)  # noqa: S102 - text made above from the class's own field names
    init = names["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


def _values(cls: type, purpose: str) -> Callable[[Any], tuple]:
    """A function giving the values of ``cls``'s fields that are ``compared`` or ``hashed``, as a tuple."""
    values = _VALUES.get((cls, purpose))
    if values is None:
        names = _names(cls, purpose)
        if len(names) > 1:
            values = attrgetter(*names)
        elif names:
            one = attrgetter(names[0])
            values = lambda value: (one(value),)  # noqa: E731
        else:
            values = lambda value: ()  # noqa: E731
        _VALUES[cls, purpose] = values
    return values


def _names(cls: type, purpose: str) -> tuple[str, ...]:
    """The names of ``cls``'s fields that are ``compared``, ``hashed`` or ``shown``, as dataclass chooses them."""
    names = _NAMES.get((cls, purpose))
    if names is None:
        wanted = {
            "compared": lambda f: f.compare,
            "hashed": lambda f: f.compare if f.hash is None else f.hash,
            "shown": lambda f: f.repr,
        }[purpose]
        names = _NAMES[cls, purpose] = tuple(f.name for f in dataclasses.fields(cls) if wanted(f))
    return names
