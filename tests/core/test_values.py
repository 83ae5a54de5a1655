"""``@frozen`` classes answer exactly as ``@dataclass(frozen=True)`` ones: equality, hashing, repr, immutability,
fields, replace, pickling; and what the class body defines itself is kept."""

from __future__ import annotations

import dataclasses
import pickle
from dataclasses import dataclass, field
from typing import ClassVar

import pytest

from dbshift.core.values import frozen


def both(body: dict) -> tuple[type, type]:
    """The same class made both ways: by ``dataclass(frozen=True)`` and by ``frozen``."""
    return dataclass(frozen=True)(type("Thing", (), dict(body))), frozen(type("Thing", (), dict(body)))


FIELDS = {
    "__annotations__": {"name": "str", "size": "int", "tags": "tuple", "secret": "str", "note": "str",
                        "cache": "dict"},
    "size": 0,
    "tags": (),
    "secret": field(default="hunter2", repr=False),
    "note": field(default="", compare=False),
    "cache": field(default_factory=dict, compare=False, hash=False, repr=False),
    "__doc__": "doc",
}


def test_equality_hash_and_repr_are_dataclass_s():
    generated, shared = both(FIELDS)
    for args in [("a",), ("a", 1, (1, 2)), ("b", 1, (), "x", "noted")]:
        g1, g2, s1, s2 = generated(*args), generated(*args), shared(*args), shared(*args)
        assert (g1 == g2, s1 == s2) == (True, True)
        assert hash(g1) == hash(g2) and hash(s1) == hash(s2)
        assert repr(s1) == repr(g1)
        assert "hunter2" not in repr(s1)
    assert shared("a", note="one") == shared("a", note="two")  # compare=False is not compared
    assert shared("a") != shared("b") and shared("a", 1) != shared("a", 2)
    assert shared("a").__eq__(generated("a")) is NotImplemented
    assert hash(shared("a", note="x", cache={"k": 1})) == hash(shared("a"))  # nor hashed
    assert len({shared("a"), shared("a"), shared("b")}) == 2


def test_immutable_fields_replace_and_pickle():
    thing = Plain("a", 2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        thing.name = "b"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del thing.size  # type: ignore[misc]
    assert [f.name for f in dataclasses.fields(thing)] == ["name", "size"]
    assert dataclasses.replace(thing, size=3) == Plain("a", 3)
    assert dataclasses.asdict(thing) == {"name": "a", "size": 2}
    assert pickle.loads(pickle.dumps(thing)) == thing
    assert Plain.__match_args__ == ("name", "size")


@frozen
class Plain:
    """A value at module level, for pickling."""

    name: str
    size: int = 0


@frozen
class Parent:
    """A base."""

    name: str


@frozen
class Child(Parent):
    """A subclass with a field of its own."""

    extra: int = 0


def test_subclasses_compare_their_own_fields_and_never_equal_their_base():
    assert Child("a", 1) != Child("a", 2)
    assert Child("a", 1) == Child("a", 1)
    assert Parent("a") != Child("a")
    assert repr(Child("a", 1)) == "Child(name='a', extra=1)"
    assert hash(Child("a", 1)) == hash(Child("a", 1))
    assert len({Child("a", 1), Child("a", 2), Child("a", 1)}) == 2


def test_methods_the_class_defines_are_kept():
    @frozen
    class Shown:
        """Its own repr and hash."""

        name: str

        def __repr__(self) -> str:
            return f"<{self.name}>"

        def __hash__(self) -> int:
            return 7

    assert repr(Shown("x")) == "<x>" and hash(Shown("y")) == 7
    assert Shown("x") == Shown("x")

    @frozen
    class Equal:
        """Its own equality: hashed by its fields still, as dataclass does."""

        name: str

        def __eq__(self, other: object) -> bool:
            return True

    assert Equal("a") == Equal("b")
    assert hash(Equal("a")) == hash(Equal("a"))


def test_options_pass_through():
    @frozen(kw_only=True)
    class Named:
        """Keyword arguments only."""

        name: str

    with pytest.raises(TypeError):
        Named("a")  # type: ignore[misc]
    assert Named(name="a") == Named(name="a")


def test_construction_answers_as_dataclass_s():
    """Arguments by position and by name, defaults, a default made by its factory (a new one each time),
    keyword-only fields, ``__post_init__``, and the errors of a wrong call: all as ``dataclass`` has them."""
    def post_init(self) -> None:
        object.__setattr__(self, "size", self.size * 2)

    body = {**FIELDS, "__post_init__": post_init}
    generated, shared = both(body)
    for args, kwargs in [(("a",), {}), (("a", 2, (1,)), {"note": "n"}), ((), {"name": "b", "cache": {"k": 1}})]:
        g, s = generated(*args, **kwargs), shared(*args, **kwargs)
        assert dataclasses.asdict(s) == dataclasses.asdict(g)
        assert s.size == g.size
    assert shared("a").cache is not shared("a").cache  # the factory's, made for each
    for args, kwargs in [((), {}), (("a", 1, (), "s", "n", {}, "extra"), {}), (("a",), {"colour": 1}),
                         (("a",), {"name": "b"})]:
        with pytest.raises(TypeError) as made:
            shared(*args, **kwargs)
        with pytest.raises(TypeError) as expected:
            generated(*args, **kwargs)
        assert str(made.value).split("__init__()")[-1] == str(expected.value).split("__init__()")[-1]
    keyword = {"__annotations__": {"name": "str", "size": "int"}, "size": field(default=1, kw_only=True)}
    generated, shared = both(keyword)
    assert dataclasses.asdict(shared("a", size=3)) == dataclasses.asdict(generated("a", size=3))
    with pytest.raises(TypeError):
        shared("a", 3)


def test_a_class_with_fields_not_given_to_init_is_made_as_dataclass_makes_it():
    body = {"__annotations__": {"name": "str", "seen": "int", "scale": "dataclasses.InitVar[int]"},
            "seen": field(default=0, init=False)}
    shared = frozen(type("Thing", (), {**body, "__post_init__": lambda self, scale: object.__setattr__(
        self, "seen", scale)}))
    assert shared("a", 3).seen == 3 and shared("a", 4) == shared("a", 4)
    assert dataclasses.replace(shared("a", 3), name="b", scale=5).seen == 5


def test_fields_init_does_not_take_are_made_as_dataclass_makes_them():
    """A ``ClassVar`` is no parameter; a field with ``init=False`` gets its factory's value (a new one each
    time) or keeps the class's default; every other attribute stays unassignable."""
    body = {"__annotations__": {"name": "str", "kind": ClassVar[str], "seen": "list", "size": "int"},
            "kind": "thing", "seen": field(default_factory=list, init=False), "size": field(default=3, init=False)}
    generated, shared = both(body)
    for made in (generated, shared):
        one, two = made("a"), made("a")
        assert (one.name, one.kind, one.seen, one.size) == ("a", "thing", [], 3)
        assert one.seen is not two.seen and one == two
        assert [f.name for f in dataclasses.fields(one)] == ["name", "seen", "size"]
        with pytest.raises(TypeError):
            made("a", "b")
        with pytest.raises(dataclasses.FrozenInstanceError):
            one.other = 1  # type: ignore[attr-defined]


def test_what_dataclass_refuses_when_defining_a_class_is_refused_then():
    body = {"__annotations__": {"size": "int", "name": "str"}, "size": 0}
    with pytest.raises(TypeError, match="non-default argument 'name' follows default argument"):
        dataclass(frozen=True)(type("Thing", (), dict(body)))
    with pytest.raises(TypeError, match="non-default argument 'name' follows default argument"):
        frozen(type("Thing", (), dict(body)))
    keyword = {"__annotations__": {"size": "int", "name": "str"}, "size": 0, "name": field(kw_only=True)}
    assert frozen(type("Thing", (), keyword))(name="a").size == 0  # a keyword-only field may come after
    with pytest.raises(TypeError, match="slots"):
        frozen(slots=True)(type("Thing", (), {"__annotations__": {"name": "str"}}))


def test_defining_a_value_class_compiles_no_method():
    """What makes :func:`frozen` cheap: its class gets no method compiled for it until it is built."""
    compiled: list[str] = []
    real_exec = exec

    def counting_exec(source, *args):  # type: ignore[no-untyped-def]
        compiled.append(source)
        return real_exec(source, *args)

    import builtins

    builtins.exec = counting_exec  # type: ignore[assignment]
    try:
        made = frozen(type("Thing", (), dict(FIELDS)))
        assert compiled == []
        made("a")
        assert len(compiled) == 1
    finally:
        builtins.exec = real_exec
