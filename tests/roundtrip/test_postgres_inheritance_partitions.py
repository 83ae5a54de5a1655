"""Inheritance, partitions, extended statistics and statistics targets between real PostgreSQL databases.

Each case is a pair of schemas: ``dbshift diff`` turns A into B (then nothing is left to change), the
reverse of those operations turns it back into A (then nothing is left to change against a fresh A),
and the rows the change keeps are still there at each step.
"""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from dbshift import api
from dbshift.cli import main
from dbshift.config import Config
from dbshift.core import ops as o
from dbshift.core.model import PartitionOf, Statistics, Table, TableRef
from dbshift.migration import Column
from dbshift.project.codegen import render_value
from dbshift.render import render
from dbshift.sqla.reflect import reflect
from tests.roundtrip.database_pairs import execute, rows


@pytest.fixture
def databases(postgres_server):
    """``databases(n)``: ``n`` fresh, empty PostgreSQL databases (dropped afterwards)."""
    made: list[str] = []

    def make(n: int) -> list[str]:
        made.extend(postgres_server.create() for _ in range(n))
        return made[-n:]

    yield make
    for url in made:
        postgres_server.drop(url)


def apply_ops(url: str, ops: list[o.Op]) -> str:
    """Render ``ops`` one after the other against the schema of ``url``, as it stands, run them; the SQL run."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        state = reflect(conn, schemas=(None,), exclude=frozenset())
    engine.dispose()
    statements = []
    for op in ops:
        statements += [s.sql for s in render(op, "postgresql", state)]
        state = op.apply(state)
    sql = ";\n".join(statements)
    if sql:
        execute(url, sql)
    return sql


def there_and_back(databases, a_sql: str, b_sql: str, seed: str = "", keep: tuple[str, ...] = ()) -> tuple[list[o.Op], str]:
    """A → B by ``dbshift diff``, then back by the reverse operations; ``keep`` queries return the same rows
    throughout.  Returns the operations and the SQL that turned A into B."""
    a, b, fresh_a = databases(3)
    for url, sql in ((a, a_sql), (b, b_sql), (fresh_a, a_sql)):
        execute(url, sql)
    if seed:
        execute(a, seed)
    before = [rows(a, q) for q in keep]

    forward = api.diff_databases(a, b)
    assert forward.ops, "A and B differ"
    execute(a, forward.sql)
    assert api.diff_databases(a, b).ops == ()
    assert [rows(a, q) for q in keep] == before

    apply_ops(a, o.reverse_all(list(forward.ops)))
    assert api.diff_databases(a, fresh_a).ops == ()
    assert [rows(a, q) for q in keep] == before
    return list(forward.ops), forward.sql


# --- inheritance -------------------------------------------------------------------------------

PARENT_A = """
CREATE TABLE item (id serial PRIMARY KEY, name text NOT NULL);
CREATE TABLE book (pages integer) INHERITS (item);
"""

PARENT_B = """
CREATE TABLE item (id serial PRIMARY KEY, name text NOT NULL, added date DEFAULT now());
CREATE TABLE book (pages integer, isbn text) INHERITS (item);
ALTER TABLE book ALTER COLUMN name SET DEFAULT 'untitled';
CREATE TABLE film (minutes integer, CONSTRAINT film_long CHECK (minutes > 0)) INHERITS (item);
"""

BOOKS = "INSERT INTO book (name, pages) VALUES ('Dune', 412), ('Emma', 474); INSERT INTO item (name) VALUES ('lamp')"


def test_children_get_the_parents_new_column_from_it_and_keep_a_default_of_their_own(databases):
    ops, sql = there_and_back(databases, PARENT_A, PARENT_B, BOOKS,
                         keep=("SELECT id, name FROM item", "SELECT id, name, pages FROM book"))
    # the parent's new column reaches its child by itself; only what the child declares is added to it
    assert "ALTER TABLE item ADD COLUMN added DATE DEFAULT now()" in sql
    assert "ALTER TABLE book ADD COLUMN added" not in sql
    assert "ALTER TABLE book ADD COLUMN isbn TEXT" in sql
    assert "ALTER TABLE book ALTER COLUMN name SET DEFAULT 'untitled'::text" in sql
    assert "CONSTRAINT film_long CHECK ((minutes > 0))\n) INHERITS (item)" in sql
    assert not [op for op in ops if isinstance(op, o.AddColumn) and op.table == "film"]


def test_a_child_created_with_its_parent_comes_after_it_and_is_dropped_before_it(databases):
    ops, sql = there_and_back(databases, "CREATE TABLE other (id integer)", PARENT_B)
    assert sql.index("CREATE TABLE item") < sql.index("CREATE TABLE book") < sql.index("ALTER TABLE book ALTER COLUMN")
    back = [op.describe() for op in o.reverse_all(ops)]
    assert back.index("drop table book") < back.index("drop table item")


def test_a_table_moves_to_another_parent_with_its_rows(databases):
    a = """
    CREATE TABLE animal (id integer NOT NULL, name text);
    CREATE TABLE plant (id integer NOT NULL, name text, leaves integer);
    CREATE TABLE pet (owner text) INHERITS (animal);
    """
    b = """
    CREATE TABLE animal (id integer NOT NULL, name text);
    CREATE TABLE plant (id integer NOT NULL, name text, leaves integer);
    CREATE TABLE pet (owner text) INHERITS (animal, plant);
    """
    ops, sql = there_and_back(databases, a, b, "INSERT INTO pet VALUES (1, 'Rex', 'Ann')",
                         keep=("SELECT id, name, owner FROM pet",))
    assert "ALTER TABLE pet ADD COLUMN leaves INTEGER" in sql
    assert sql.index("ADD COLUMN leaves") < sql.index("ALTER TABLE pet INHERIT plant")
    assert o.AlterTableInherit("pet", TableRef("plant"), True) in ops


def test_no_inherit_comes_before_the_old_parent_is_dropped(databases):
    a = "CREATE TABLE base (id integer); CREATE TABLE child (x integer) INHERITS (base);"
    b = "CREATE TABLE child (id integer, x integer);"
    _, sql = there_and_back(databases, a, b, "INSERT INTO child VALUES (1, 2)", keep=("SELECT id, x FROM child",))
    assert sql.index("ALTER TABLE child NO INHERIT base") < sql.index("DROP TABLE base")


def test_a_column_the_parent_drops_and_a_child_keeps_is_dropped_and_added_to_the_child(databases):
    a = "CREATE TABLE stamped (created timestamp DEFAULT now(), e integer); CREATE TABLE a (a1 integer) INHERITS (stamped);"
    b = "CREATE TABLE stamped (created timestamp DEFAULT now()); CREATE TABLE a (a1 integer, e integer) INHERITS (stamped);"
    ops, sql = there_and_back(databases, a, b, "INSERT INTO a (a1, e) VALUES (1, 2)", keep=("SELECT a1 FROM a",))
    assert sql.index("ALTER TABLE stamped DROP COLUMN e") < sql.index("ALTER TABLE a ADD COLUMN e INTEGER")
    assert "drops column a.e and its data" in [op.risk for op in ops if isinstance(op, o.DropColumn)]


# --- partitions ------------------------------------------------------------------------------

MEASUREMENT_A = """
CREATE TABLE measurement (city_id integer NOT NULL, logdate date NOT NULL, peak integer)
    PARTITION BY RANGE (logdate);
CREATE INDEX measurement_city ON measurement (city_id);
CREATE TABLE m2006 PARTITION OF measurement FOR VALUES FROM ('2006-01-01') TO ('2007-01-01');
CREATE TABLE m2007 PARTITION OF measurement FOR VALUES FROM ('2007-01-01') TO ('2008-01-01');
CREATE INDEX m2006_peak ON m2006 (peak);
CREATE TABLE m2008 (city_id integer NOT NULL, logdate date NOT NULL, peak integer);
"""

MEASUREMENT_B = """
CREATE TABLE measurement (city_id integer NOT NULL, logdate date NOT NULL, peak integer, note text)
    PARTITION BY RANGE (logdate);
CREATE INDEX measurement_city ON measurement (city_id);
CREATE TABLE m2006 PARTITION OF measurement FOR VALUES FROM ('2006-01-01') TO ('2007-01-01');
CREATE TABLE m2007 (city_id integer NOT NULL, logdate date NOT NULL, peak integer);
CREATE TABLE m2008 PARTITION OF measurement FOR VALUES FROM ('2008-01-01') TO ('2009-01-01');
CREATE TABLE m_other PARTITION OF measurement DEFAULT;
"""

READINGS = """
INSERT INTO measurement VALUES (1, '2006-05-01', 20), (2, '2007-05-01', 25);
INSERT INTO m2008 VALUES (3, '2008-05-01', 30);
"""


def test_partitions_are_created_attached_and_detached_with_their_rows(databases):
    ops, sql = there_and_back(databases, MEASUREMENT_A, MEASUREMENT_B, READINGS, keep=(
        "SELECT city_id, logdate, peak FROM m2006", "SELECT city_id, logdate, peak FROM m2007",
        "SELECT city_id, logdate, peak FROM m2008",
    ))
    assert "ALTER TABLE measurement DETACH PARTITION m2007;" in sql
    assert "ALTER TABLE measurement ATTACH PARTITION m2008 FOR VALUES FROM ('2008-01-01') TO ('2009-01-01')" in sql
    assert "CREATE TABLE m_other PARTITION OF measurement DEFAULT" in sql
    assert "DROP INDEX m2006_peak" in sql
    # a partition's columns and its copies of the parent's index are the parent's; a table to attach
    # needs every column of the parent first
    assert "ALTER TABLE measurement ADD COLUMN note TEXT" in sql and "ALTER TABLE m2006 ADD COLUMN" not in sql
    assert sql.index("ALTER TABLE m2008 ADD COLUMN note TEXT") < sql.index("ATTACH PARTITION m2008")
    assert "measurement_city" not in sql and "m2006_city_id_idx" not in sql
    assert not [op for op in ops if isinstance(op, (o.CreateIndex, o.DropIndex)) and op.index.name != "m2006_peak"]


def test_a_partition_whose_bound_changes_is_detached_and_attached_again(databases):
    a = MEASUREMENT_A
    b = MEASUREMENT_A.replace("TO ('2008-01-01')", "TO ('2007-07-01')")
    ops, sql = there_and_back(databases, a, b, READINGS, keep=("SELECT city_id, logdate FROM m2007",))
    assert sql.index("DETACH PARTITION m2007") < sql.index("ATTACH PARTITION m2007 FOR VALUES FROM ('2007-01-01') TO ('2007-07-01')")


def test_a_change_of_partitioning_recreates_the_table_and_names_the_rows_it_loses(databases):
    a = "CREATE TABLE reading (id integer NOT NULL, taken date NOT NULL);"
    b = "CREATE TABLE reading (id integer NOT NULL, taken date NOT NULL) PARTITION BY RANGE (taken);"
    ops, sql = there_and_back(databases, a, b)
    assert [type(op) for op in ops] == [o.DropTable, o.CreateTable]
    assert ops[0].risk == "drops table reading and all its rows"
    assert sql.endswith("PARTITION BY RANGE (taken);\n")


def test_a_partitioned_table_in_the_models_is_created_and_its_partitions_made_by_hand_stay(pg_url, roundtrip):
    def plain(md: sa.MetaData) -> None:
        sa.Table("event", md, sa.Column("id", sa.Integer, nullable=False), sa.Column("at", sa.Date, nullable=False))

    def partitioned(md: sa.MetaData) -> None:
        t = sa.Table("event", md, sa.Column("id", sa.Integer, nullable=False), sa.Column("at", sa.Date, nullable=False),
                     postgresql_partition_by="RANGE (at)")
        sa.Index("ix_event_id", t.c.id)

    second = roundtrip(pg_url, plain, partitioned)
    assert [type(op) for op in second.ops] == [o.DropTable, o.CreateTable]
    assert second.ops[1].table.partition_by == "RANGE (at)"
    execute(pg_url, "CREATE TABLE event_2024 PARTITION OF event FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')")
    models = sa.MetaData()
    partitioned(models)
    root = second.path.parent.parent
    config = Config(root=root, migrations=root / "migrations", url=pg_url, url_source="test", metadata_object=models)
    assert api.check(config).ops == ()  # the partition made by hand, and its copy of the index, are not the models'


# --- statistics ------------------------------------------------------------------------------

STATS_A = """
CREATE TABLE zip (city text, state text, code text, lat numeric);
CREATE STATISTICS zip_city (ndistinct) ON city, state FROM zip;
CREATE STATISTICS zip_gone ON state, code FROM zip;
ALTER TABLE zip ALTER COLUMN lat SET STATISTICS 300;
"""

STATS_B = """
CREATE TABLE zip (city text, state text, code text, lat numeric);
CREATE STATISTICS zip_city (ndistinct, dependencies) ON city, state FROM zip;
CREATE STATISTICS zip_expr ON city, lower(code) FROM zip;
ALTER TABLE zip ALTER COLUMN code SET STATISTICS 500;
"""


def test_extended_statistics_and_statistics_targets_are_created_changed_and_dropped(databases):
    ops, sql = there_and_back(databases, STATS_A, STATS_B, "INSERT INTO zip VALUES ('Oslo', 'NO', '0150', 59.9)",
                         keep=("SELECT city, state, code FROM zip",))
    assert "DROP STATISTICS zip_gone" in sql
    assert "DROP STATISTICS zip_city" in sql
    assert "CREATE STATISTICS zip_city (ndistinct, dependencies) ON city, state FROM zip" in sql
    assert "CREATE STATISTICS zip_expr ON city, (lower(code)) FROM zip" in sql
    assert "ALTER TABLE zip ALTER COLUMN lat SET STATISTICS -1" in sql
    assert "ALTER TABLE zip ALTER COLUMN code SET STATISTICS 500" in sql


def test_statistics_are_no_longer_reported_as_not_compared(databases):
    a, b = databases(2)
    execute(a, STATS_A)
    execute(b, STATS_B)
    assert not [d for d in api.diff_databases(a, b).unmodelled if "statistic" in d.object.kind]


def test_a_new_table_gets_its_statistics(databases):
    _, sql = there_and_back(databases, "CREATE TABLE other (id integer)", STATS_B)
    assert sql.index("CREATE TABLE zip") < sql.index("CREATE STATISTICS zip_city")


# --- collations: reported ---------------------------------------------------------------------


def test_a_collation_only_one_database_has_is_reported_not_compared(databases):
    a, b = databases(2)
    execute(a, 'CREATE COLLATION posix_copy FROM "POSIX"; CREATE TABLE t (a text)')
    execute(b, "CREATE TABLE t (a text)")
    out, err = io.StringIO(), io.StringIO()
    assert main(["diff", a, b], out, err) == 2  # A and B differ
    assert "collation public.posix_copy is only in A" in out.getvalue() + err.getvalue()


# --- migration files ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", [
    o.AlterTableInherit("pet", TableRef("plant", "zoo"), True, schema="zoo"),
    o.AttachPartition("m2008", PartitionOf(TableRef("measurement"), "FOR VALUES FROM ('2008-01-01') TO ('2009-01-01')")),
    o.DetachPartition("m2007", PartitionOf(TableRef("measurement"), "DEFAULT")),
    o.CreateStatistics("zip", Statistics("zip_city", ("city", "lower(code)"), ("ndistinct",))),
    o.DropStatistics("zip", Statistics("zip_gone", ("state", "code")), schema="geo"),
    o.AlterColumnStatistics("zip", "lat", 300, None),
    o.CreateTable(Table("book", (Column("id", "integer"), Column("pages", "integer", statistics_target=50)),
                        inherits=(TableRef("item"),), inherited_columns=("id",),
                        statistics=(Statistics("s", ("id", "pages")),))),
    o.CreateTable(Table("m1", (Column("at", "date"),), inherited_columns=("at",),
                        partition_of=PartitionOf(TableRef("m"), "DEFAULT"))),
    o.CreateTable(Table("m", (Column("at", "date"),), partition_by="RANGE (at)")),
], ids=lambda v: type(v).__name__)
def test_the_operations_round_trip_through_migration_files(value):
    import dbshift.migration

    assert eval(render_value(value), vars(dbshift.migration)) == value  # noqa: S307 - our own output
