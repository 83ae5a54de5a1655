"""Which unmodelled objects (views, triggers…) differ between two databases, and which a plan breaks."""

from __future__ import annotations

from dbshift.core import ops as o
from dbshift.core.model import Column, Table, Unique
from dbshift.core.unmodelled import EVERY_COLUMN, Unmodelled, dependants, differences

EMAIL = Column("email", "text")
USERS = Table("users", (Column("id", "integer"), EMAIL))
VIEW = Unmodelled("view", "public.mailing", "d1", frozenset({("users", "email")}))
TRIGGER = Unmodelled("trigger", "stamp on public.users", "d2", frozenset({("users", None)}), table="users")
EVERY = Unmodelled("view", "v", "d3", frozenset({("users", EVERY_COLUMN)}))
SQLITE_VIEW = Unmodelled("view", "v", "d3", frozenset({("users", None), ("users", "email")}), survives_alters=True)


def test_differences_name_what_is_in_one_database_only_or_changed():
    changed = Unmodelled("view", "public.mailing", "other", VIEW.depends_on)
    found = differences([VIEW, TRIGGER], [changed, EVERY])
    assert [d.describe() for d in found] == [
        "trigger stamp on public.users is only in A",
        "view public.mailing differs between A and B",
        "view v is only in B",
    ]
    assert differences([VIEW, TRIGGER], [TRIGGER, VIEW]) == ()


def test_a_dropped_column_names_the_view_that_uses_it():
    found = dependants([o.DropColumn("users", EMAIL)], [VIEW, TRIGGER])
    assert [d.describe() for d in found] == [
        "view public.mailing depends on column users.email, which this migration drops: "
        "drop and re-create the view in a hand-written step"
    ]


def test_a_type_change_matters_a_nullability_change_does_not():
    retyped = o.AlterColumn("users", EMAIL, Column("email", "varchar(200)"))
    assert [d.change for d in dependants([retyped], [VIEW])] == ["changes the type of"]
    assert dependants([o.AlterColumn("users", EMAIL, Column("email", "text", nullable=False))], [VIEW]) == ()


def test_a_dropped_table_takes_its_triggers_with_it():
    found = dependants([o.DropTable(USERS)], [VIEW, TRIGGER])
    assert [d.describe() for d in found] == [
        "view public.mailing depends on table users, which this migration drops: "
        "drop and re-create the view in a hand-written step",
        "trigger stamp on public.users depends on table users, which this migration drops: "
        "the trigger is dropped with the table; re-create it by hand if it is still needed",
    ]


def test_any_structural_change_breaks_an_object_on_every_column():
    unique_added = o.AddConstraint("users", Unique(("email",)))
    for op in (o.AlterColumn("users", EMAIL, Column("email", "text", nullable=False)), unique_added):
        assert [(d.target, d.change) for d in dependants([op], [EVERY])] == [("table users", "alters")]
    assert dependants([o.AddColumn("users", Column("age", "integer"))], [EVERY, VIEW]) == ()


def test_an_object_that_survives_alters_is_named_only_for_a_dropped_column_it_uses():
    """SQLite: a table rebuild re-creates the triggers and leaves the views as written."""
    kept = [
        o.AlterColumn("users", EMAIL, Column("email", "varchar(200)", nullable=False)),
        o.AddConstraint("users", Unique(("email",))),
        o.DropColumn("users", Column("age", "integer")),
        o.AddColumn("users", Column("age", "integer")),
    ]
    assert dependants(kept, [SQLITE_VIEW]) == ()
    assert [d.describe() for d in dependants([o.DropColumn("users", EMAIL)], [SQLITE_VIEW])] == [
        "view v depends on column users.email, which this migration drops: "
        "drop and re-create the view in a hand-written step"
    ]
    assert [d.change for d in dependants([o.DropTable(USERS)], [SQLITE_VIEW])] == ["drops"]
