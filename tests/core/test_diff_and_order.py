"""The differ and the dependency order, on schema values (no database)."""

from __future__ import annotations

from dbshift.core import ops as o
from dbshift.core.diff import Equivalence, diff
from dbshift.core.model import Check, Column, Enum, ForeignKey, Index, PrimaryKey, Schema, Table, Unique
from dbshift.core.order import order

ID = Column("id", "integer", nullable=False, autoincrement=True)


def table(name: str, *columns: Column, **kw) -> Table:
    return Table(name, (ID,) + columns, PrimaryKey(("id",), f"{name}_pkey"), **kw)


def fk(col: str, ref: str, name: str | None = None) -> ForeignKey:
    return ForeignKey((col,), ref, ("id",), name=name or f"{col}_fkey")


AUTHOR = table("author", Column("name", "varchar(50)", nullable=False))
BOOK = table("book", Column("author_id", "integer"), foreign_keys=(fk("author_id", "author"),))


def plan(a: Schema, b: Schema, eq: Equivalence = Equivalence()) -> list[o.Op]:
    return order(diff(a, b, eq))


def test_identical_schemas_need_nothing():
    s = Schema.of([AUTHOR, BOOK])
    assert plan(s, s) == []


def test_new_tables_come_referenced_first():
    ops = plan(Schema(), Schema.of([BOOK, AUTHOR]))
    assert [op.table.name for op in ops] == ["author", "book"]


def test_dropped_tables_go_referencing_first():
    ops = plan(Schema.of([BOOK, AUTHOR]), Schema())
    assert [type(op) for op in ops] == [o.DropTable, o.DropTable]
    assert [op.table.name for op in ops] == ["book", "author"]


def test_foreign_key_cycle_is_split_out():
    a = table("a", Column("b_id", "integer"), foreign_keys=(fk("b_id", "b", "a_b"),))
    b = table("b", Column("a_id", "integer"), foreign_keys=(fk("a_id", "a", "b_a"),))
    ops = plan(Schema(), Schema.of([a, b]))
    creates = [op for op in ops if isinstance(op, o.CreateTable)]
    adds = [op for op in ops if isinstance(op, o.AddConstraint)]
    assert len(creates) == 2 and len(adds) == 1
    assert ops.index(adds[0]) > ops.index(creates[-1])
    assert o.apply_all(Schema(), ops) == Schema.of([a, b])


def test_column_changes_and_reverse_restores():
    new_author = table("author", Column("name", "varchar(120)"), Column("bio", "text"))
    before, after = Schema.of([AUTHOR]), Schema.of([new_author])
    ops = plan(before, after)
    assert {type(op) for op in ops} == {o.AlterColumn, o.AddColumn}
    assert o.apply_all(before, ops) == after
    assert o.apply_all(after, o.reverse_all(ops)) == before


def test_drop_column_carries_the_definition():
    with_bio = table("author", Column("name", "varchar(50)", nullable=False), Column("bio", "text", default="'x'"))
    ops = plan(Schema.of([with_bio]), Schema.of([AUTHOR]))
    assert ops == [o.DropColumn("author", Column("bio", "text", default="'x'"))]
    assert ops[0].risk and "bio" in ops[0].risk
    assert ops[0].reverse() == o.AddColumn("author", Column("bio", "text", default="'x'"))


def test_foreign_key_drops_come_before_table_drops_and_adds_last():
    book2 = table("book", Column("author_id", "integer"), Column("editor_id", "integer"),
                  foreign_keys=(fk("editor_id", "editor"),))
    editor = table("editor")
    ops = plan(Schema.of([AUTHOR, BOOK]), Schema.of([book2, editor]))
    kinds = [type(op).__name__ + ("FK" if isinstance(getattr(op, "constraint", None), ForeignKey) else "") for op in ops]
    assert kinds.index("DropConstraintFK") < kinds.index("DropTable")
    assert kinds.index("CreateTable") < kinds.index("AddConstraintFK")
    assert o.apply_all(Schema.of([AUTHOR, BOOK]), ops) == Schema.of([book2, editor])


def test_constraint_names_only_compared_when_both_sides_have_one():
    named = table("t", Column("x", "integer"), uniques=(Unique(("x",), "t_x_key"),))
    unnamed = table("t", Column("x", "integer"), uniques=(Unique(("x",)),))
    assert plan(Schema.of([named]), Schema.of([unnamed])) == []
    renamed = table("t", Column("x", "integer"), uniques=(Unique(("x",), "uq_x"),))
    assert len(plan(Schema.of([named]), Schema.of([renamed]))) == 2


def test_a_name_the_database_chose_is_kept_to_drop_by_but_neither_compared_nor_written():
    from dbshift.core.diff import find_constraint
    from dbshift.project.codegen import render_value

    read = Unique(("x",), server_name="t_x_key")  # as reflection gives an unnamed unique key
    assert read == Unique(("x",)) and render_value(read) == 'Unique(("x",))'
    t = table("t", Column("x", "integer"), Column("y", "integer"), uniques=(read,),
              checks=(Check("(x > 0)", server_name="t_x_check"),))
    assert find_constraint(t, Unique(("x",))).server_name == "t_x_key"
    # named in a migration written elsewhere, unnamed here: found by what it does
    assert find_constraint(t, Unique(("x",), "uq_x")).server_name == "t_x_key"
    assert find_constraint(t, Unique(("y",))) is None
    assert find_constraint(t, Check("x > 0")) is None
    assert find_constraint(t, Check("x > 0"), Equivalence(expression=lambda e: e.strip("()"))).server_name == "t_x_check"


def test_index_and_check_changes():
    before = table("t", Column("x", "integer"), indexes=(Index("ix_t_x", ("x",)),), checks=(Check("x > 0", "ck"),))
    after = table("t", Column("x", "integer"), indexes=(Index("ix_t_x", ("x",), unique=True),),
                  checks=(Check("x > 1", "ck"),))
    ops = plan(Schema.of([before]), Schema.of([after]))
    assert {type(op) for op in ops} == {o.DropIndex, o.CreateIndex, o.DropConstraint, o.AddConstraint}
    assert o.apply_all(Schema.of([before]), ops) == Schema.of([after])


def test_equivalence_decides_sameness():
    a = Schema.of([table("t", Column("x", "timestamptz"))])
    b = Schema.of([table("t", Column("x", "timestamp"))])
    assert len(plan(a, b)) == 1
    loose = Equivalence(type=lambda t: t.replace("tz", ""))
    assert plan(a, b, loose) == []


def test_enums_created_before_and_dropped_after_their_tables():
    mood = Enum("mood", ("happy", "sad"))
    t = table("person", Column("mood", "enum:mood('happy','sad')"))
    ops = plan(Schema(), Schema.of([t], [mood]))
    assert [type(op) for op in ops] == [o.CreateEnum, o.CreateTable]
    back = order(o.reverse_all(ops))
    assert [type(op) for op in back] == [o.DropTable, o.DropEnum]


def test_alter_enum_reverse_swaps_values():
    op = o.AlterEnum(Enum("mood", ("a",)), Enum("mood", ("a", "b")))
    assert op.reverse() == o.AlterEnum(Enum("mood", ("a", "b")), Enum("mood", ("a",)))
    assert op.reverse().risk and "b" in op.reverse().risk


def test_rename_column_follows_constraints():
    t = table("t", Column("x", "integer"), uniques=(Unique(("x",), "u"),), indexes=(Index("i", ("x",)),))
    s = o.RenameColumn("t", "x", "y").apply(Schema.of([t]))
    assert s.tables[0].uniques[0].columns == ("y",)
    assert s.tables[0].indexes[0].expressions == ("y",)


def test_a_key_dropped_from_a_renamed_column_is_dropped_under_its_old_name_first():
    from dbshift.core.model import Unique

    class Hint:
        def table(self, old, new):
            return False

        def column(self, table, old, new):
            return (old.name, new.name) == ("code", "sku")

        def enum_value(self, enum, old, new):
            return False

    before = table("item", Column("code", "varchar(10)"), Column("size", "integer"), uniques=(Unique(("code",), "uq_item"),))
    after = table("item", Column("sku", "varchar(10)"), Column("size", "integer"), uniques=(Unique(("sku", "size"), "uq_item"),))
    ops = order(diff(Schema.of([before]), Schema.of([after]), renames=Hint()))
    assert [op.describe() for op in ops] == [
        "drop unique uq_item on item", "rename column item.code to sku", "add unique uq_item on item",
    ]
    assert ops[0].constraint.columns == ("code",), "the drop runs before the rename"
    assert o.apply_all(Schema.of([before]), ops) == Schema.of([after])
    assert o.apply_all(Schema.of([after]), o.reverse_all(ops)) == Schema.of([before])
