"""codegen: operations to Python source, and back by ``eval``."""

from __future__ import annotations

import ast
from datetime import datetime, timedelta, timezone

import pytest

import dbshift.migration as migration
from dbshift.core.ops import Op
from dbshift.project.codegen import WIDTH, render_migration, render_ops, render_value
from dbshift.migration import (
    AddColumn, AddConstraint, AlterColumn, AlterEnum, AlterSequence, AlterTableCluster, AlterTableComment,
    AlterTableLogging, AlterTableOptions, TableOptions, AttachSequence, BulkDelete, BulkInsert, Check, Column, CreateEnum, CreateIndex, CreateSchema,
    CreateSequence, CreateTable, DetachSequence, DropColumn, DropConstraint, DropEnum, DropIndex, DropSchema,
    DropSequence, DropTable, Enum, ForeignKey, Identity, Index, PrimaryKey, RenameColumn, RenameTable, RunPython,
    RunSQL, Sequence, Table, Unique,
)

NAMESPACE = vars(migration)


def roundtrip(value):
    return eval(render_value(value), dict(NAMESPACE))  # noqa: S307 - the contract under test


def full_table() -> Table:
    return Table(
        "order_line",
        (
            Column("id", "bigint", nullable=False, identity=Identity(always=True, start=10, increment=5)),
            Column("order_id", "integer", nullable=False),
            Column("sku", "varchar(40)", nullable=False, comment="stock keeping unit"),
            Column("qty", "integer", nullable=False, default="1"),
            Column("price", "numeric(10,2)"),
            Column("total", "numeric(12,2)", computed="qty * price"),
            Column("mood", "enum:mood('happy','sad')", autoincrement=False),
        ),
        primary_key=PrimaryKey(("id",), name="pk_order_line"),
        foreign_keys=(
            ForeignKey(
                ("order_id",), "order", ("id",), name="fk_line_order", ref_schema="sales", on_delete="CASCADE",
                on_update="RESTRICT", deferrable=True, initially_deferred=True,
            ),
            ForeignKey(("sku",), "product", ("sku",)),
        ),
        uniques=(Unique(("order_id", "sku"), name="uq_line"), Unique(("sku",))),
        checks=(Check("qty > 0", name="ck_qty"), Check("price >= 0")),
        indexes=(
            Index("ix_line_sku", ("sku",)),
            Index("ix_line_expr", ("lower(sku)", "qty"), unique=True, where="qty > 1", using="btree",
                  include=("price",)),
        ),
        comment="One line of an order; it's \"important\"",
        schema="sales",
    )


def fill_prices(connection):  # a function a RunPython refers to by name
    pass


def empty_prices(connection):
    pass


ALL_VALUES = [
    Identity(),
    Identity(always=True, start=1, increment=2),
    Column("id", "integer"),
    Column("c", "text", nullable=False, default="'x'", autoincrement=True, identity=Identity(), computed="a+b",
           comment="c"),
    PrimaryKey(("a", "b"), name="pk"),
    ForeignKey(("a",), "t", ("id",)),
    Unique(("a",)),
    Check("a > 0", name="ck"),
    Index("ix", ("a",), unique=True, where="a IS NOT NULL", using="gin", include=("b", "c")),
    Enum("mood", ("happy", "sad"), schema="s"),
    Enum("empty", ()),
    Sequence("seq", start=100, increment=10, schema="s"),
    Sequence("plain"),
    full_table(),
    Table("t", (Column("id", "integer"),)),
    CreateTable(full_table()),
    DropTable(full_table()),
    RenameTable("a", "b", schema="s"),
    AlterTableComment("t", None, "new comment"),
    AlterTableComment("t", "old", None, schema="s"),
    AddColumn("product", Column("price", "numeric(10,2)")),
    DropColumn("product", Column("price", "numeric(10,2)"), schema="s"),
    AlterColumn("t", Column("c", "integer"), Column("c", "bigint", nullable=False, default="0")),
    RenameColumn("t", "a", "b"),
    CreateIndex("t", Index("ix", ("a",), where="a > 0", using="hash", include=("b",)), schema="s"),
    DropIndex("t", Index("ix", ("a",))),
    AddConstraint("t", PrimaryKey(("id",))),
    AddConstraint("t", ForeignKey(("a",), "u", ("id",), on_delete="SET NULL")),
    AddConstraint("t", Unique(("a", "b"), name="uq")),
    DropConstraint("t", Check("a <> b", name="ck"), schema="s"),
    CreateEnum(Enum("mood", ("happy", "sad"))),
    DropEnum(Enum("mood", ("happy",))),
    AlterEnum(Enum("mood", ("a", "b", "c")), Enum("mood", ("a", "bee", "d")), renamed=(("b", "bee"),)),
    AlterEnum(Enum("m", ("a",)), Enum("m", ("a", "b"))),
    CreateSequence(Sequence("seq", start=1)),
    DropSequence(Sequence("seq", increment=2)),
    Sequence("full", start=5, increment=-1, schema="s", minvalue=-100, maxvalue=50, cycle=True, cache=10,
             data_type="integer"),
    AlterSequence(Sequence("seq"), Sequence("seq", increment=2, maxvalue=1000, cycle=True, data_type="smallint")),
    CreateSchema("audit"),
    AlterTableCluster("t", None, "ix_t_a", schema="s"),
    CreateSequence(Sequence("Ticket No", increment=10, owned_by=("ticket", "id"))),
    AlterTableLogging("t", True, schema="s"),
    Table("scratch", (Column("id", "integer"),), unlogged=True),
    Table("kv", (Column("k", "text", nullable=False),), PrimaryKey(("k",)),
          options=TableOptions(without_rowid=True, strict=True)),
    AlterTableOptions("t", TableOptions(autoincrement=True), TableOptions(), schema="s"),
    AttachSequence("t", "id", Sequence("t_id_seq", data_type="integer")),
    DetachSequence("t", "id", Sequence("t_id_seq"), schema="s"),
    DropSchema("Mixed Case"),
    RunSQL("UPDATE product SET price = 0"),
    RunSQL("UPDATE product\nSET price = 0\nWHERE price IS NULL;\n", reverse_sql="UPDATE product SET price = NULL"),
    RunSQL('SELECT """odd"""\nFROM t', reverse_sql="SELECT 'a\\b'\n  \nx"),
    RunSQL('SELECT 1\nAS "x"'),
    BulkInsert("product", ({"id": 1, "name": "Chair", "price": 12.5, "active": True, "note": None},)),
    BulkInsert("tag", tuple({"id": i, "name": f"tag {i}", "blob": b"\x00\x01"} for i in range(30)), schema="s"),
    BulkDelete("tag", ({"id": 1},)),
]


@pytest.mark.parametrize("value", ALL_VALUES, ids=lambda v: type(v).__name__)
def test_every_value_round_trips(value):
    assert roundtrip(value) == value


@pytest.mark.parametrize("value", ALL_VALUES, ids=lambda v: type(v).__name__)
def test_rendering_is_deterministic_and_valid_python(value):
    text = render_value(value)
    assert text == render_value(value)
    ast.parse(text, mode="eval")


def test_defaults_are_omitted_and_required_fields_positional():
    assert render_value(Column("id", "integer")) == 'Column("id", "integer")'
    assert render_value(Column("id", "integer", nullable=False)) == 'Column("id", "integer", nullable=False)'
    assert render_value(Identity()) == "Identity()"
    assert render_value(AlterTableComment("t", None, "x")) == 'AlterTableComment("t", None, "x")'
    assert render_value(RenameTable("a", "b", schema="s")) == 'RenameTable("a", "b", schema="s")'


def test_tuples_and_strings():
    assert render_value(("a", "b")) == '("a", "b")'
    assert render_value(("a",)) == '("a",)'
    assert render_value(()) == "()"
    assert render_value("it's") == '"it\'s"'
    assert render_value('say "hi"') == "'say \"hi\"'"
    assert render_value({"a": 1, "b": None, "c": True}) == '{"a": 1, "b": None, "c": True}'
    for text in ['both \' and "', "tab\there", "back\\slash", "nl\n", "\r\n", "ünïcode", "\x00", '"', ""]:
        assert eval(render_value(text)) == text  # noqa: S307


def test_multiline_sql_uses_triple_quotes_when_safe():
    sql = "UPDATE product\nSET price = 0\nWHERE price IS NULL;"
    assert '"""UPDATE product\nSET price = 0\nWHERE price IS NULL;"""' in render_value(RunSQL(sql))
    for unsafe in ['a\nb"', 'a\n"""b', "a\\n\nb", "trailing \nspace", "cr\r\nlf"]:
        text = render_value(unsafe)
        assert not text.startswith('"""') and eval(text) == unsafe  # noqa: S307


def test_six_columns_one_per_line_and_lines_fit():
    table = Table("product", tuple(Column(f"col_{i}", "integer") for i in range(6)))
    text = render_value(CreateTable(table))
    assert text.startswith('CreateTable(Table(\n    "product",\n    (\n        Column("col_0", "integer"),\n')
    body = render_ops([CreateTable(table)])
    for i in range(6):
        assert f'\n            Column("col_{i}", "integer"),\n' in body
    assert all(len(line) <= WIDTH for line in render_ops([CreateTable(full_table())]).splitlines())


def test_long_bulk_insert_wraps_one_row_per_line():
    op = BulkInsert("tag", tuple({"id": i, "name": f"tag number {i}"} for i in range(10)))
    lines = render_ops([op]).splitlines()
    assert len(lines) == 15 and all(len(line) <= WIDTH for line in lines)
    assert lines[3].strip() == '{"id": 0, "name": "tag number 0"},'


def test_run_python_renders_function_names():
    op = RunPython(fill_prices, reverse_func=empty_prices)
    text = render_value(op)
    assert text == "RunPython(fill_prices, reverse_func=empty_prices)"
    namespace = dict(NAMESPACE, fill_prices=fill_prices, empty_prices=empty_prices)
    assert eval(text, namespace) == op  # noqa: S307
    with pytest.raises(TypeError):
        render_value(RunPython(lambda c: None))


def test_unrenderable_values_raise_type_error():
    with pytest.raises(TypeError):
        render_value(object())
    with pytest.raises(TypeError):
        render_value(BulkInsert("t", ({"x": float("nan")},)))


def test_render_ops_is_a_list_body():
    ops = [RenameTable("a", "b"), RenameColumn("t", "x", "y")]
    body = render_ops(ops)
    assert body == '    RenameTable("a", "b"),\n    RenameColumn("t", "x", "y"),\n'
    assert eval("[\n" + body + "]", dict(NAMESPACE)) == ops  # noqa: S307
    assert eval("[\n" + render_ops(ALL_VALUES[15:], indent=2) + "]", dict(NAMESPACE)) == ALL_VALUES[15:]  # noqa: S307
    assert render_ops([]) == ""


CREATED = datetime(2026, 11, 21, 14, 23, 1, tzinfo=timezone.utc)

EXPECTED = '''"""add price

Revision: 20261121142301_9f3a
Parents: 20261120101010_aaaa
Created: 2026-11-21 14:23:01 UTC
"""

from dbshift.migration import *  # noqa: F401,F403

revision = "20261121142301_9f3a"
parents = ("20261120101010_aaaa",)
message = "add price"

upgrade = [
    AddColumn("product", Column("price", "numeric(10,2)")),
]

# The downgrade is the reverse of `upgrade`, computed when it runs.
# To write it by hand, define: downgrade = [...]
'''


def run(source: str) -> dict:
    namespace: dict = {}
    exec(compile(source, "<migration>", "exec"), namespace)  # noqa: S102
    return namespace


def test_render_migration_matches_the_documented_layout():
    text = render_migration(
        "20261121142301_9f3a", ("20261120101010_aaaa",), "add price",
        [AddColumn("product", Column("price", "numeric(10,2)"))], created=CREATED,
    )
    assert text == EXPECTED


def test_render_migration_round_trips_with_downgrade():
    up = [op for op in ALL_VALUES if isinstance(op, Op)]
    down = [RunSQL("SELECT 1")]
    text = render_migration("r2", ("a", "b"), "merge", up, downgrade_ops=down, created=CREATED)
    namespace = run(text)
    assert namespace["upgrade"] == up and namespace["downgrade"] == down
    assert namespace["parents"] == ("a", "b") and namespace["revision"] == "r2"
    assert "# The downgrade is the reverse" not in text


def test_empty_upgrade_gets_a_hint():
    text = render_migration("r1", (), "data fix", [], created=CREATED)
    assert 'upgrade = [\n    # RunSQL("UPDATE ..."), RunPython(fill_prices)' in text
    assert "# To write it by hand, define: downgrade = [...]" in text
    namespace = run(text)
    assert namespace["upgrade"] == [] and namespace["parents"] == ()
    assert "Parents: base" in text


@pytest.mark.parametrize(
    "message", ['has """ triple', "back\\slash\\", 'ends with quote "', "two\nlines", "tab\tand\x00nul", "'''", ""]
)
def test_odd_messages_are_safe(message):
    text = render_migration("r1", (), message, [], created=CREATED)
    namespace = run(text)
    assert namespace["message"] == message
    assert namespace["__doc__"].startswith(message + "\n\nRevision: r1\n")


def test_created_is_shown_in_utc():
    local = CREATED.astimezone(timezone(timedelta(hours=-5)))
    assert "Created: 2026-11-21 14:23:01 UTC" in render_migration("r", (), "m", [], created=local)
    naive = datetime(2026, 1, 2, 3, 4, 5)
    assert "Created: 2026-01-02 03:04:05 UTC" in render_migration("r", (), "m", [], created=naive)


def test_lone_argument_breaks_onto_its_own_line_when_it_fits_there():
    op = CreateSequence(Sequence("a_rather_long_sequence_name_for_an_identifier_x", start=1000, increment=10))
    text = render_value(op)
    assert text.startswith("CreateSequence(\n    Sequence(") and roundtrip(op) == op
    assert all(len(line) <= WIDTH for line in text.splitlines())


def test_str_and_int_subclasses_render_as_plain_values():
    import enum

    class Mood(str, enum.Enum):
        HAPPY = "happy"

    class Level(enum.IntEnum):
        HIGH = 3

    op = BulkInsert("t", ({"mood": Mood.HAPPY, "level": Level.HIGH},))
    assert render_value(op) == 'BulkInsert("t", ({"mood": "happy", "level": 3},))'


@pytest.mark.parametrize("value", [
    migration.Exclude(("during WITH &&",)),
    migration.Exclude(("room WITH =", "tsrange(starts, ends) WITH &&"), name="no_overlap", using="spgist",
                      where="NOT cancelled", include=("note",), deferrable=True, initially_deferred=True),
    AddConstraint("booking", migration.Exclude(("during WITH &&",), name="x"), schema="s"),
    DropConstraint("booking", migration.Exclude(("c WITH &&",), using="btree")),
    Table("booking", (Column("during", "tsrange"),), excludes=(migration.Exclude(("during WITH &&",)),)),
    AddConstraint("seat", PrimaryKey(("id",), deferrable=True)),
    AddConstraint("seat", Unique(("a", "b"), name="uq", deferrable=True, initially_deferred=True)),
], ids=repr)
def test_exclusion_constraints_and_deferrable_keys_round_trip(value):
    assert roundtrip(value) == value
    assert ast.parse(render_value(value))


# --- types and server defaults as the models declare them -------------------------------------


def _declared_types():
    import sqlalchemy as sa
    from sqlalchemy.dialects import mysql, postgresql

    from tests.roundtrip.portable_models import MICRO_DATETIME, Email, PreciseTime

    return [
        (sa.String(50), "sa.String(length=50)"),
        (sa.Numeric(10, 2), "sa.Numeric(precision=10, scale=2)"),
        (sa.DateTime(timezone=True), "sa.DateTime(timezone=True)"),
        (sa.Float(), "sa.Float()"),
        (sa.Enum("happy", "sad", name="mood"), 'sa.Enum("happy", "sad", name="mood")'),
        (sa.Enum("it's", "b"), """sa.Enum("it's", "b")"""),
        (MICRO_DATETIME, 'sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")'),
        (postgresql.JSONB(), "postgresql.JSONB(astext_type=sa.Text())"),
        (postgresql.ARRAY(sa.Integer()), "postgresql.ARRAY(sa.Integer())"),
        (mysql.LONGTEXT(), "mysql.LONGTEXT()"),
        (Email(120), "tests.roundtrip.portable_models.Email(length=120)"),
        (PreciseTime(), "tests.roundtrip.portable_models.PreciseTime()"),
    ]


def _spellings(column, dialects=("sqlite", "postgresql", "mysql", "mariadb")):
    """The column as a migration holding it builds it on each dialect (or the error that refuses it there)."""
    import sqlalchemy as sa

    from dbshift.sqla.declared import bind

    found = {}
    for d in dialects:
        try:
            found[d] = bind([AddColumn("t", column)], d)[0].column
        except sa.exc.SQLAlchemyError as exc:
            found[d] = type(exc).__name__
    return found


@pytest.mark.parametrize("index", range(12))
def test_a_declared_type_is_written_as_the_models_write_it_and_builds_the_same_column_everywhere(index):
    type_, text = _declared_types()[index]
    column = Column("c", type_)
    rendered = render_value(column)
    assert rendered == f'Column("c", {text})'
    namespace = dict(NAMESPACE)
    if "tests." in text:
        import tests.roundtrip.portable_models  # noqa: F401 - what the file's import line does

        namespace["tests"] = __import__("tests")
    again = eval(rendered, namespace)  # noqa: S307 - the contract under test
    assert again.type is not type_ and _spellings(again) == _spellings(column)


def test_declared_types_are_spelled_for_the_database_the_migration_runs_on():
    import sqlalchemy as sa

    from tests.roundtrip.portable_models import MICRO_DATETIME

    assert {d: c.type for d, c in _spellings(Column("c", sa.Float())).items()} == {
        "sqlite": "double", "postgresql": "double", "mysql": "real", "mariadb": "real"}
    mood = {d: c.type for d, c in _spellings(Column("m", sa.Enum("happy", "sad", name="mood"))).items()}
    assert mood == {"sqlite": "varchar(5)", "postgresql": "enum:mood('happy','sad')", "mysql": "enum('happy','sad')",
                    "mariadb": "enum('happy','sad')"}
    stamp = {d: c.type for d, c in _spellings(Column("s", MICRO_DATETIME)).items()}
    assert stamp == {"sqlite": "timestamp", "postgresql": "timestamp", "mysql": "timestamp(6)", "mariadb": "timestamp(6)"}
    # a type string is kept as written: older and hand-written files
    assert {c.type for c in _spellings(Column("n", "numeric(10,2)")).values()} == {"numeric(10,2)"}


@pytest.mark.parametrize("default, text, spelled", [
    ("sa.true()", "sa.true()", {"sqlite": "1", "postgresql": "true", "mysql": "true"}),
    ("sa.func.now()", "sa.func.now()", {"sqlite": "CURRENT_TIMESTAMP", "postgresql": "now()", "mysql": "now()"}),
    ("sa.func.coalesce(1, 'a')", 'sa.func.coalesce(1, "a")',
     {"sqlite": "coalesce(1, 'a')", "postgresql": "coalesce(1, 'a')", "mysql": "coalesce(1, 'a')"}),
    ("sa.text('0')", 'sa.text("0")', {"sqlite": "0", "postgresql": "0", "mysql": "0"}),
    ("sa.literal('a\\\\b')", 'sa.literal("a\\\\b")',
     {"sqlite": "'a\\b'", "postgresql": "E'a\\\\b'", "mysql": "CONVERT(X'615c62' USING utf8mb4)"}),
])
def test_a_declared_server_default_is_written_as_an_expression_and_spelled_for_each_database(default, text, spelled):
    import sqlalchemy as sa

    value = eval(default, {"sa": sa})  # noqa: S307 - a model's server default
    column = Column("c", sa.Integer(), default=value)
    rendered = render_value(column)
    assert rendered == f'Column("c", sa.Integer(), server_default={text})'
    again = eval(rendered, dict(NAMESPACE))  # noqa: S307 - the contract under test
    assert {d: c.default for d, c in _spellings(again, tuple(spelled)).items()} == spelled


def test_a_migration_names_the_modules_its_types_come_from_and_loads_bound(tmp_path):
    import sqlalchemy as sa

    from dbshift.core.graph import Revision
    from dbshift.project import files
    from tests.roundtrip.portable_models import Email

    ops = [CreateEnum(Enum("mood", ("happy", "sad"))), CreateTable(Table("person", (
        Column("id", sa.Integer(), nullable=False),
        Column("email", Email(120), nullable=False, default="'x'"),
        Column("mood", sa.Enum("happy", "sad", name="mood"), default=sa.literal("happy")),
        Column("joined", sa.DateTime(timezone=True), default=sa.func.now()),
    ), primary_key=PrimaryKey(("id",))))]
    source = render_migration("r1", (), "people", ops, created=CREATED)
    assert "from dbshift.migration import *  # noqa: F401,F403\nimport tests.roundtrip.portable_models\n" in source
    assert "                tests.roundtrip.portable_models.Email(length=120),\n" in source
    assert 'sa.Enum("happy", "sad", name="mood"),' in source and 'server_default=sa.literal("happy"),' in source
    assert all(len(line) <= WIDTH for line in source.splitlines())
    path = tmp_path / "r1_people.py"
    path.write_text(source)
    revision = Revision("r1", (), "people", str(path))
    loaded = files.load(revision, "postgresql")
    table = loaded.upgrade[1].table
    assert [(c.name, c.type, c.default) for c in table.columns] == [
        ("id", "integer", None),
        ("email", "varchar(120)", "'x'"),
        ("mood", "enum:mood('happy','sad')", "'happy'"),
        ("joined", "timestamptz", "now()"),
    ]
    assert [c.type for c in files.load(revision, "sqlite").upgrade[1].table.columns] == [
        "integer", "varchar(120)", "varchar(5)", "timestamptz"]
    assert files.load(revision).checksum == files.load(revision, "mysql").checksum == files.file_checksum(path)
    unbound = files.load(revision).upgrade[1].table.columns[1].type
    assert isinstance(unbound, Email)  # without a database, as the file states it


def test_a_column_is_written_with_its_models_type_only_where_the_source_rebuilds_that_type():
    """``Code(20)`` writes as ``Code()``, which builds a varchar(10): that column keeps its type string, while a
    ``Code()`` column, which the same text rebuilds, is written with the models' type."""
    import sqlalchemy as sa

    from dbshift.migration import CreateTable, Table
    from dbshift.sqla.declared import declare
    from tests.roundtrip.portable_models import Code

    metadata = sa.MetaData()
    sa.Table("t", metadata, sa.Column("wide", Code(20)), sa.Column("plain", Code()), sa.Column("name", sa.String(20)))
    stated = CreateTable(Table("t", (Column("wide", "varchar(20)"), Column("plain", "varchar(10)"),
                                     Column("name", "varchar(20)"))))
    for dialect in ("sqlite", "postgresql"):
        (written,), _ = declare([stated], None, metadata, dialect)
        wide, plain, name = written.table.columns
        assert wide.type == "varchar(20)", dialect
        assert isinstance(plain.type, Code) and isinstance(name.type, sa.String), dialect
        assert render_value(wide) == 'Column("wide", "varchar(20)")'


def test_a_type_no_source_rebuilds_is_refused_naming_it():
    import sqlalchemy as sa

    from dbshift.sqla.source import NotWritable, type_source

    class Local(sa.types.TypeDecorator):
        impl = sa.String
        cache_ok = True

    with pytest.raises(NotWritable, match="not defined at the top level of an importable module"):
        type_source(Local(3))


@pytest.mark.parametrize("default, written", [
    ("'0'", 'server_default="0"'),
    ("'it''s'", 'server_default="it\'s"'),
    ("now()", 'server_default=sa.text("now()")'),
    ("'a\\b'", 'server_default=sa.text("\'a\\\\b\'")'),
])
def test_a_server_default_is_written_as_a_server_default(default: str, written: str) -> None:
    column = Column("c", "integer", default=default)
    rendered = render_value(column)
    assert rendered == f'Column("c", "integer", {written})'
    assert "default=\"'" not in rendered  # never a Python default holding a quoted string
    assert eval(rendered, dict(NAMESPACE)) == column  # noqa: S307 - the contract under test


def test_a_column_takes_default_or_server_default_not_both() -> None:
    with pytest.raises(ValueError, match="not both"):
        Column("c", "integer", default="'0'", server_default="0")
