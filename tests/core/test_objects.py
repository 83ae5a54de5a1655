"""Views, functions, triggers… in the differ and the order: created, replaced, dropped, and re-created
around the changes that would break them."""

from __future__ import annotations

from dbshift.core import ops as o
from dbshift.core.diff import Equivalence, diff
from dbshift.core.model import Column, Schema, Table
from dbshift.core.objects import DbObject
from dbshift.core.order import order

USERS = Table("users", (Column("id", "integer", nullable=False), Column("email", "varchar(50)")))
WIDER = Table("users", (Column("id", "integer", nullable=False), Column("email", "text")))


def view(name: str, body: str, *, shape: str = "email text", requires: tuple[str, ...] = (),
         uses: tuple[tuple[str, str | None], ...] = (("users", "email"),)) -> DbObject:
    return DbObject(
        "view", f"public.{name}", (f"CREATE VIEW public.{name} AS {body}",), (f"DROP VIEW public.{name}",),
        (f"CREATE OR REPLACE VIEW public.{name} AS {body}",), shape=shape, depends_on=uses, requires=requires,
    )


def function(name: str, body: str, *, returns: str = "integer") -> DbObject:
    create = f"CREATE FUNCTION public.{name}() RETURNS {returns} AS $$ {body} $$ LANGUAGE sql"
    return DbObject(
        "function", f"public.{name}()", (create,), (f"DROP FUNCTION public.{name}()",),
        (create.replace("CREATE", "CREATE OR REPLACE", 1),), shape=returns,
    )


def trigger(name: str, function_id: str) -> DbObject:
    return DbObject(
        "trigger", f"{name} on public.users", (f"CREATE TRIGGER {name} ... EXECUTE FUNCTION x()",),
        (f"DROP TRIGGER {name} ON public.users",), table="users", requires=(function_id,),
    )


def planned(current: Schema, target: Schema, eq: Equivalence = Equivalence()) -> list[str]:
    ops = order(diff(current, target, eq))
    assert o.apply_all(current, ops).objects == target.objects
    return [op.describe() for op in ops]


def test_new_objects_come_after_what_they_need_and_functions_before_tables():
    f = function("next_id", "SELECT 1")
    target = Schema.of([USERS], objects=[view("emails", "SELECT email FROM users"), f, trigger("t", f.id)])
    assert planned(Schema(), target) == [
        "create function public.next_id()", "create table users", "create view public.emails",
        "create trigger t on public.users",
    ]


def test_a_function_that_uses_a_new_table_waits_for_it():
    f = DbObject("function", "public.f()", ("CREATE FUNCTION f() ...",), ("DROP FUNCTION f()",),
                 depends_on=(("users", None),))
    assert planned(Schema(), Schema.of([USERS], objects=[f])) == ["create table users", "create function public.f()"]


def test_a_changed_view_of_the_same_shape_is_replaced_in_place():
    current = Schema.of([USERS], objects=[view("emails", "SELECT email FROM users")])
    target = Schema.of([USERS], objects=[view("emails", "SELECT email FROM users WHERE id > 0")])
    assert planned(current, target) == ["replace view public.emails"]


def test_a_view_whose_columns_change_is_dropped_and_created_with_the_views_over_it():
    inner, outer = view("emails", "SELECT email FROM users"), view("outer_v", "SELECT * FROM emails",
                                                                  requires=("view:public.emails",), uses=())
    current = Schema.of([USERS], objects=[inner, outer])
    changed = view("emails", "SELECT id, email FROM users", shape="id integer, email text")
    target = Schema.of([USERS], objects=[changed, outer])
    assert planned(current, target) == [
        "drop view public.outer_v", "drop view public.emails", "create view public.emails", "create view public.outer_v",
    ]


def test_a_view_over_a_column_whose_type_changes_is_dropped_and_created_around_the_change():
    v = view("emails", "SELECT email FROM users")
    assert planned(Schema.of([USERS], objects=[v]), Schema.of([WIDER], objects=[v])) == [
        "drop view public.emails", "alter column users.email (type)", "create view public.emails",
    ]


def test_objects_kept_as_text_survive_a_type_change():
    v = DbObject("view", "emails", ("CREATE VIEW emails AS SELECT email FROM users",), ("DROP VIEW emails",),
                 depends_on=(("users", "email"),), survives_alters=True)
    assert planned(Schema.of([USERS], objects=[v]), Schema.of([WIDER], objects=[v])) == [
        "alter column users.email (type)",
    ]


def test_a_trigger_goes_before_its_table_and_its_function_after_it():
    f = function("stamp", "SELECT 1")
    current = Schema.of([USERS], objects=[f, trigger("t", f.id)])
    assert planned(current, Schema()) == [
        "drop trigger t on public.users", "drop table users", "drop function public.stamp()",
    ]


def test_a_function_whose_result_changes_is_recreated_with_its_trigger():
    f, g = function("stamp", "SELECT 1"), function("stamp", "SELECT 'a'", returns="text")
    current = Schema.of([USERS], objects=[f, trigger("t", f.id)])
    target = Schema.of([USERS], objects=[g, trigger("t", g.id)])
    assert planned(current, target) == [
        "drop trigger t on public.users", "drop function public.stamp()", "create function public.stamp()",
        "create trigger t on public.users",
    ]


def test_the_reverse_of_a_plan_restores_the_objects():
    f = function("stamp", "SELECT 1")
    current = Schema.of([USERS], objects=[f, view("emails", "SELECT email FROM users")])
    target = Schema.of([WIDER], objects=[function("stamp", "SELECT 2")])
    ops = order(diff(current, target))
    assert o.apply_all(o.apply_all(current, ops), o.reverse_all(ops)) == current


def test_a_definition_differing_only_in_white_space_is_the_same():
    a = DbObject("view", "v", ("CREATE VIEW v AS SELECT 1",), ("DROP VIEW v",))
    b = DbObject("view", "v", ("CREATE VIEW v AS\n    SELECT   1",), ("DROP VIEW v",))
    assert a == b and diff(Schema.of(objects=[a]), Schema.of(objects=[b])) == []


def test_an_object_of_a_dropped_table_goes_with_it_even_when_the_target_keeps_it():
    """A trigger the models do not declare (kept from the database) cannot outlive its table: it is dropped
    before the table, never created again after it."""
    logs = Table("logs", (Column("id", "integer", nullable=False),))
    stamp = DbObject("trigger", "stamp", ("CREATE TRIGGER stamp ...",), ("DROP TRIGGER stamp",), table="logs",
                     survives_alters=True)
    current = Schema.of([USERS, logs], objects=[stamp])
    assert [op.describe() for op in order(diff(current, Schema.of([USERS], objects=[stamp])))] == [
        "drop trigger stamp", "drop table logs",
    ]


def test_a_view_over_an_enum_column_is_recreated_when_the_type_is_rebuilt_but_not_when_a_value_is_added():
    from dbshift.core.model import Enum
    from dbshift.core.types import enum_type

    def schema(*values: str) -> Schema:
        mood = Enum("mood", values)
        people = Table("people", (Column("id", "integer", nullable=False), Column("mood", enum_type(values, "mood"))))
        v = view("moods", "SELECT mood FROM people", uses=(("people", "mood"),))
        return Schema.of([people], [mood], objects=[v])

    from dbshift.sqla.normalize import equivalence_for

    eq = equivalence_for("postgresql")  # a column typed with the enum keeps its type when the values change
    assert planned(schema("happy", "sad"), schema("happy", "sad", "meh"), eq) == ["alter enum type mood"]
    assert planned(schema("happy", "sad"), schema("happy"), eq) == [
        "drop view public.moods", "alter enum type mood", "create view public.moods",
    ]


def test_a_function_that_becomes_a_procedure_is_dropped_before_the_procedure_takes_its_name():
    f = function("archive", "SELECT 1")
    p = DbObject("procedure", "public.archive()", ("CREATE PROCEDURE public.archive() ...",),
                 ("DROP PROCEDURE public.archive()",))
    assert planned(Schema.of([USERS], objects=[f]), Schema.of([USERS], objects=[p])) == [
        "drop function public.archive()", "create procedure public.archive()",
    ]


def test_a_function_over_a_column_whose_type_changes_is_created_again_after_the_change():
    f = DbObject("function", "public.total()", ("CREATE FUNCTION public.total() ... BEGIN ATOMIC ... END",),
                 ("DROP FUNCTION public.total()",), depends_on=(("users", "email"),))
    assert planned(Schema.of([USERS], objects=[f]), Schema.of([WIDER], objects=[f])) == [
        "drop function public.total()", "alter column users.email (type)", "create function public.total()",
    ]


def test_a_new_function_over_a_new_column_waits_for_the_column():
    f = DbObject("function", "public.total()", ("CREATE FUNCTION public.total() ... BEGIN ATOMIC ... END",),
                 ("DROP FUNCTION public.total()",), depends_on=(("users", "email"),))
    before = Table("users", (Column("id", "integer", nullable=False),))
    assert planned(Schema.of([before]), Schema.of([USERS], objects=[f])) == [
        "add column users.email", "create function public.total()",
    ]


def test_a_dropped_function_using_a_dropped_table_goes_before_the_table():
    f = DbObject("function", "public.all_users()", ("CREATE FUNCTION public.all_users() RETURNS SETOF users ...",),
                 ("DROP FUNCTION public.all_users()",), depends_on=(("users", None),))
    g = function("unrelated", "SELECT 1")
    assert planned(Schema.of([USERS], objects=[f, g]), Schema()) == [
        "drop function public.all_users()", "drop table users", "drop function public.unrelated()",
    ]


def test_objects_using_an_enum_type_that_loses_a_value_are_dropped_and_created_around_the_new_type():
    from dbshift.core.model import Enum
    from dbshift.core.types import enum_type

    moods = Table("people", (Column("id", "integer", nullable=False),
                             Column("mood", enum_type(("sad", "ok", "happy"), "mood"))))
    v = view("moods", "SELECT mood FROM people", uses=(("people", "mood"),))
    f = DbObject("function", "public.cheer(mood)", ("CREATE FUNCTION public.cheer(m mood) ...",),
                 ("DROP FUNCTION public.cheer(mood)",), requires=("enum:mood",))
    current = Schema.of([moods], [Enum("mood", ("sad", "ok", "happy"))], objects=[v, f])
    target = Schema.of([moods], [Enum("mood", ("sad", "happy"))], objects=[v, f])
    assert planned(current, target) == [
        "drop view public.moods", "drop function public.cheer(mood)", "alter enum type mood",
        "create function public.cheer(mood)", "create view public.moods",
    ]
    added = Schema.of([moods], [Enum("mood", ("sad", "ok", "happy", "calm"))], objects=[v, f])
    assert planned(current, added) == ["alter enum type mood"]  # a value added in place breaks nothing


def test_a_new_table_referencing_a_key_the_plan_adds_to_another_waits_for_that_key():
    from dbshift.core.model import ForeignKey, PrimaryKey

    products = Table("products", (Column("no", "integer", nullable=False),))
    keyed = Table("products", products.columns, primary_key=PrimaryKey(("no",)))
    items = Table("items", (Column("no", "integer"),), foreign_keys=(ForeignKey(("no",), "products", ("no",)),))
    forward = planned(Schema.of([products]), Schema.of([keyed, items]))
    assert forward == ["create table items", "add primarykey on products", "add foreignkey on items"]
    back = planned(Schema.of([keyed, items]), Schema.of([products]))
    assert back == ["drop foreignkey on items", "drop primarykey on products", "drop table items"]
