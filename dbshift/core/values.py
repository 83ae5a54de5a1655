"""Frozen value classes: :func:`frozen` is ``@dataclass(frozen=True)`` at a tenth of the cost of defining one.

Defining a frozen dataclass compiles six methods from generated source (about
half a millisecond a class on Python 3.11), and a command that runs migrations
or compares schemas defines over a hundred of them.  A :func:`frozen` class is
made by :func:`dataclasses.dataclass` with none of them: its fields,
``dataclasses.fields``, ``replace``, ``asdict``, ``__match_args__`` and pickling
are dataclass's, while ``__eq__``, ``__hash__``, ``__repr__``, ``__setattr__`` and
``__delattr__`` are shared by every value class.  They answer as the generated
ones do: instances are equal when they are of the same class and their compared
fields are equal, the hash is that of the hashed fields, the repr shows the
fields that have ``repr=True`` (never a ``field(repr=False)`` such as a
password), and assigning or deleting an attribute raises
:class:`dataclasses.FrozenInstanceError` (``object.__setattr__`` in a
``__post_init__`` still works).  Its ``__init__`` takes the arguments dataclass's
takes, but is written when the class is first used (most classes a command
defines, it never builds) and stores the fields in the instance's dict directly,
at half the cost of a frozen dataclass's ``object.__setattr__`` for each.  A
method the class body defines itself is kept, as dataclass keeps it.

To :mod:`dataclasses` such a class is not frozen (``__dataclass_params__.frozen``
is false): a value class may subclass another value class, never a dataclass
made with ``frozen=True``.
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
    takes them, but for ``frozen``, ``eq``, ``repr`` and ``slots``) with the shared methods.

    Raises TypeError, as dataclass does, for a field without a default after one with a default.
    """
    if "slots" in options:
        raise TypeError("a frozen value class keeps its fields in the instance's __dict__: no slots")
    init = options.pop("init", True)

    def define(cls: T) -> T:
        own = cls.__dict__
        explicit_hash = "__hash__" in own and not (own["__hash__"] is None and "__eq__" in own)
        made: Any = dataclasses.dataclass(cls, init=False, eq=False, repr=False, **options)
        for name, shared in (("__eq__", _eq), ("__repr__", _repr), ("__setattr__", _setattr),
                             ("__delattr__", _delattr)):
            if name not in own:
                setattr(made, name, shared)
        if not explicit_hash:
            made.__hash__ = _hash
        if init and "__init__" not in own:
            _check_defaults(made)
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


def _setattr(self: Any, name: str, value: Any) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")


def _delattr(self: Any, name: str) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")


def _parameters(cls: type) -> tuple[list[dataclasses.Field], list[dataclasses.Field]]:
    """``cls``'s fields that ``__init__`` takes, in order (InitVars among them), and its other fields."""
    stored = {f.name for f in dataclasses.fields(cls)}
    taken: list[dataclasses.Field] = []
    others: list[dataclasses.Field] = []
    for f in cls.__dataclass_fields__.values():  # type: ignore[attr-defined]
        if f.name in stored:
            (taken if f.init else others).append(f)
        elif _is_init_var(f):
            taken.append(f)
    return taken, others


def _is_init_var(f: dataclasses.Field) -> bool:
    """Whether a field dataclass did not store is an ``InitVar`` (the other kind is a ``ClassVar``)."""
    annotation = f.type
    if isinstance(annotation, str):  # ``InitVar[int]`` or ``dataclasses.InitVar[int]``, as text
        return annotation.split("[", 1)[0].rsplit(".", 1)[-1].strip() == "InitVar"
    return annotation is dataclasses.InitVar or isinstance(annotation, dataclasses.InitVar)


def _has_default(f: dataclasses.Field) -> bool:
    return f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING


def _check_defaults(cls: type) -> None:
    """The TypeError dataclass raises when defining a class whose ``__init__`` would take a parameter without a
    default after one with a default."""
    seen_default = False
    for f in _parameters(cls)[0]:
        if f.kw_only:
            continue
        if _has_default(f):
            seen_default = True
        elif seen_default:
            raise TypeError(f"non-default argument {f.name!r} follows default argument")


def _built_on_first_use(cls: type) -> Callable[..., None]:
    """An ``__init__`` for ``cls`` that, called first, puts :func:`_direct_init`'s in its place and runs it."""

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        init = _direct_init(cls)
        cls.__init__ = init  # type: ignore[misc]
        init(self, *args, **kwargs)

    return __init__


_FACTORY = object()  # the default of a parameter whose field's default a factory makes


def _direct_init(cls: type) -> Callable[..., None]:
    """The ``__init__`` dataclass writes for ``cls``, but storing each field in the instance's ``__dict__``
    directly (a frozen dataclass's calls ``object.__setattr__`` for each: twice the time for a column)."""
    taken, others = _parameters(cls)
    stored = {f.name for f in dataclasses.fields(cls)}
    names: dict[str, Any] = {"_FACTORY": _FACTORY}
    positional: list[str] = []
    keyword: list[str] = []
    body: list[str] = []
    init_vars: list[str] = []
    for f in taken:
        if f.default is not dataclasses.MISSING:
            names[f"_default_{f.name}"] = f.default
            parameter, value = f"{f.name}=_default_{f.name}", f.name
        elif f.default_factory is not dataclasses.MISSING:
            names[f"_factory_{f.name}"] = f.default_factory
            parameter, value = f"{f.name}=_FACTORY", f"_factory_{f.name}() if {f.name} is _FACTORY else {f.name}"
        else:
            parameter, value = f.name, f.name
        (keyword if f.kw_only else positional).append(parameter)
        if f.name in stored:
            body.append(f"    __values_dict__[{f.name!r}] = {value}\n")
        else:
            init_vars.append(f.name)
    for f in others:  # not given to __init__: a factory's value is made; a plain default stays the class's
        if f.default_factory is not dataclasses.MISSING:
            names[f"_factory_{f.name}"] = f.default_factory
            body.append(f"    __values_dict__[{f.name!r}] = _factory_{f.name}()\n")
    parameters = ", ".join(["__values_self__", *positional, *(["*", *keyword] if keyword else [])])
    post_init = (f"    __values_self__.__post_init__({', '.join(init_vars)})\n"
                 if hasattr(cls, "__post_init__") else "")
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
