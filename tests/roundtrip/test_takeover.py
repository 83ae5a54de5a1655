"""Constraints the models leave unnamed: one history for SQLite, PostgreSQL and MariaDB, and databases made elsewhere.

A constraint the models leave unnamed is unnamed in migration files.  Each
database names it itself (PostgreSQL ``post_editor_id_fkey``, MariaDB
``post_ibfk_2`` and a unique key ``slug_2``, SQLite none), and reflection reads
such a name as none.  So a database made by ``metadata.create_all()``, by an
Alembic history or by dbshift on another database matches the models, and
dropping such a constraint finds the name the database gave it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from dbshift import api
from dbshift.config import Config
from dbshift.core import model as m
from dbshift.core import ops as o
from dbshift.database.connect import create_engine
from dbshift.project import files
from dbshift.runner import MigrationFailed
from dbshift.sqla.from_metadata import from_metadata

DIALECTS = ("sqlite", "postgresql", "mariadb")
OTHER = {"sqlite": "postgresql", "postgresql": "mariadb", "mariadb": "sqlite"}  # where the history was generated

SEED = [
    "INSERT INTO author (id, code, region, num) VALUES (1, 'a', 1, 1), (2, 'b', 2, 2)",
    "INSERT INTO post (id, author_id, editor_id, parent_id, region, num, slug, lang) VALUES "
    "(1, 1, 2, NULL, 1, 1, 'hello', 'en'), (2, 2, 1, 1, 2, 2, 'hello', 'fr')",
]
KEEP = {"author": "id, code, region, num", "post": "id, author_id, editor_id, parent_id, region, num, slug, lang"}


def names_models(dropped: bool = False) -> sa.MetaData:
    """Every constraint unnamed: several foreign keys on one table, a composite and a self-referencing one,
    two unique keys starting with the same column, CHECKs.  ``dropped``: without the foreign key of
    ``post.editor_id`` and the unique key ``(slug, region)`` (the columns stay)."""
    md = sa.MetaData()
    sa.Table(
        "author", md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(10), unique=True),
        sa.Column("region", sa.Integer, nullable=False),
        sa.Column("num", sa.Integer, nullable=False),
        sa.UniqueConstraint("region", "num"),
        sa.CheckConstraint("num > 0"),
    )
    editor = sa.Column("editor_id", sa.Integer) if dropped else sa.Column("editor_id", sa.ForeignKey("author.id"))
    sa.Table(
        "post", md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("author_id", sa.ForeignKey("author.id")),
        editor,
        sa.Column("parent_id", sa.ForeignKey("post.id")),
        sa.Column("region", sa.Integer),
        sa.Column("num", sa.Integer),
        sa.Column("slug", sa.String(20)),
        sa.Column("lang", sa.String(5)),
        sa.ForeignKeyConstraint(["region", "num"], ["author.region", "author.num"]),
        sa.UniqueConstraint("slug", "lang"),
        *(() if dropped else (sa.UniqueConstraint("slug", "region"),)),
        sa.CheckConstraint("num >= 0"),
        sa.CheckConstraint("num < 1000"),  # a second CHECK on num: PostgreSQL numbers its name
        sa.CheckConstraint("region >= num"),  # on two columns: PostgreSQL names it after the table alone
    )
    return md


# --- databases and projects -------------------------------------------------------------


def dialect_of(url: str) -> str:
    backend = sa.engine.make_url(url).get_backend_name()
    return "mariadb" if backend == "mysql" else backend


def database(request: pytest.FixtureRequest, tmp_path: Path, dialect: str) -> str:
    """A fresh database of ``dialect`` (besides the one a test is given)."""
    if dialect == "sqlite":
        return f"sqlite:///{tmp_path / 'other.db'}"
    return str(request.getfixturevalue("pg_url" if dialect == "postgresql" else "mysql_url"))


def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "migrations").mkdir(parents=True, exist_ok=True)
    return root


def config(root: Path, url: str, models: sa.MetaData) -> Config:
    return Config(root=root, migrations=root / "migrations", url=url, url_source="test", metadata_object=models)


def execute(url: str, *statements: str | sa.schema.ExecutableDDLElement) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        for statement in statements:
            if isinstance(statement, str):
                conn.exec_driver_sql(statement)
            else:
                conn.execute(statement)
    engine.dispose()


def rows(url: str) -> dict[str, list[tuple]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        quote = conn.dialect.identifier_preparer.quote_identifier
        found = {
            t: [tuple(r) for r in conn.exec_driver_sql(f"SELECT {cols} FROM {quote(t)} ORDER BY 1")]
            for t, cols in KEEP.items()
        }
    engine.dispose()
    return found


def create_all(url: str) -> None:
    engine = create_engine(url)
    names_models().create_all(engine)
    engine.dispose()


def alembic_history(url: str) -> None:
    """What an Alembic history leaves, statement for statement: a first revision of ``op.create_table`` with
    unnamed constraints (the same CREATE TABLE SQLAlchemy writes), then a second with
    ``op.create_unique_constraint(None, "post", ["slug", "region"])`` and
    ``op.create_foreign_key(None, "post", "author", ["editor_id"], ["id"])``: ALTER TABLE … ADD UNIQUE / ADD
    FOREIGN KEY with no name.  On SQLite Alembic's batch mode makes the table again with them instead."""
    engine = create_engine(url)
    names_models(dropped=True).create_all(engine)
    engine.dispose()
    if dialect_of(url) == "sqlite":
        full = names_models().tables["post"]
        execute(url, "DROP TABLE post", sa.schema.CreateTable(full))
        return
    post = names_models(dropped=True).tables["post"]
    unique = sa.UniqueConstraint("slug", "region")
    foreign_key = sa.ForeignKeyConstraint(["editor_id"], ["author.id"])
    post.append_constraint(unique)
    post.append_constraint(foreign_key)
    execute(url, sa.schema.AddConstraint(unique), sa.schema.AddConstraint(foreign_key))


def constraint_kinds(ops: tuple[o.Op, ...]) -> list[tuple[str, str]]:
    return sorted(
        (type(op).__name__, type(op.constraint).__name__)
        for op in ops if isinstance(op, (o.AddConstraint, o.DropConstraint))
    )


DROPPED = [("DropConstraint", "ForeignKey"), ("DropConstraint", "Unique")]


def drop_and_restore(root: Path, url: str, unnamed: bool = True) -> None:
    """Models that drop one unnamed foreign key and one unnamed unique key: autogenerate on ``url``, upgrade,
    downgrade; nothing left to change after each step, and every row kept.  ``unnamed``: the database holds
    them under names of its own choosing, so the migration names neither."""
    before = rows(url)
    second = api.revision(config(root, url, names_models(dropped=True)), "drop two", autogenerate=True)
    assert constraint_kinds(second.ops) == DROPPED
    assert second.path is not None
    assert ("name=" not in second.path.read_text()) == unnamed
    api.upgrade(config(root, url, names_models(dropped=True)))
    assert api.check(config(root, url, names_models(dropped=True))).ops == ()
    assert rows(url) == before
    api.downgrade(config(root, url, names_models()), "-1")
    assert api.check(config(root, url, names_models())).ops == ()
    assert rows(url) == before


# --- taking over -----------------------------------------------------------------------


@pytest.mark.parametrize("made_by", [create_all, alembic_history], ids=["create_all", "alembic"])
def test_a_database_made_elsewhere_is_taken_over_by_a_history_generated_on_another_database(
    db_url, made_by, request, tmp_path
):
    root = project(tmp_path)
    other = database(request, tmp_path, OTHER[dialect_of(db_url)])
    first = api.revision(config(root, other, names_models()), "names", autogenerate=True)
    assert first.path is not None
    text = first.path.read_text()
    assert "name=" not in text, "no constraint name of any database's making"

    made_by(db_url)
    execute(db_url, *SEED)
    api.stamp(config(root, db_url, names_models()), "head")
    assert api.check(config(root, db_url, names_models())).ops == ()
    assert api.revision(config(root, db_url, names_models()), "nothing", autogenerate=True).path is None

    drop_and_restore(root, db_url)


def test_create_all_on_postgresql_gives_postgresql_names_and_they_read_as_none(pg_url, tmp_path):
    """The names are the database's own, and the model built from a reflection holds them only to drop by."""
    create_all(pg_url)
    engine = create_engine(pg_url)
    with engine.connect() as conn:
        names = sorted(r[0] for r in conn.exec_driver_sql(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'post'::regclass"))
    engine.dispose()
    assert names == [
        "post_author_id_fkey", "post_check", "post_editor_id_fkey", "post_num_check", "post_num_check1",
        "post_parent_id_fkey", "post_pkey", "post_region_num_fkey", "post_slug_lang_key", "post_slug_region_key",
    ]
    schema, _ = api.database_schema(config(project(tmp_path), pg_url, names_models()))
    post = schema.table("post")
    assert [c.name for c in post.constraints] == [None] * 10
    assert sorted(str(c.server_name) for c in post.constraints) == names


# --- one history, three databases -------------------------------------------------------


PAIRS = [(a, b) for a in DIALECTS for b in DIALECTS if a != b]


@pytest.mark.parametrize(("made_on", "applied_on"), PAIRS, ids=[f"{a}-to-{b}" for a, b in PAIRS])
def test_a_history_generated_on_one_database_applies_on_another(made_on, applied_on, request, tmp_path):
    """Generated on ``made_on`` (creating the tables, then dropping an unnamed foreign key and unique key),
    applied on ``applied_on``: upgrade, nothing to change, downgrade step by step, nothing to change."""
    root = project(tmp_path)
    source, target = database(request, tmp_path, made_on), database(request, tmp_path, applied_on)
    first = api.revision(config(root, source, names_models()), "tables", autogenerate=True)
    api.upgrade(config(root, source, names_models()))
    second = api.revision(config(root, source, names_models(dropped=True)), "drop two", autogenerate=True)
    assert constraint_kinds(second.ops) == DROPPED
    assert first.revision is not None and second.path is not None
    assert "name=" not in first.path.read_text() + second.path.read_text()

    api.upgrade(config(root, target, names_models()), first.revision.id)
    assert api.check(config(root, target, names_models())).ops == ()
    execute(target, *SEED)
    before = rows(target)
    api.upgrade(config(root, target, names_models(dropped=True)))
    assert api.check(config(root, target, names_models(dropped=True))).ops == ()
    assert rows(target) == before
    api.downgrade(config(root, target, names_models()), "-1")
    assert api.check(config(root, target, names_models())).ops == ()
    assert rows(target) == before
    api.downgrade(config(root, target, names_models()), "base")
    assert api.database_schema(config(root, target, names_models()))[0].tables == ()


# --- migration files written before: names predicted by dbshift ----------------------------


def predicted_names(dialect: str) -> list[o.Op]:
    """The tables as dbshift wrote them when it predicted each unnamed constraint's name itself (PostgreSQL's
    scheme on PostgreSQL and SQLite; ``post_ibfk_<n>`` and first-column unique keys on MariaDB)."""
    schema = from_metadata(names_models(), dialect)
    tables = []
    for t in schema.tables:
        if dialect == "mariadb":
            fks = tuple(replace(fk, name=f"{t.name}_ibfk_{n}") for n, fk in enumerate(t.foreign_keys, 1))
            uniques = tuple(replace(u, name=u.columns[0] + ("_2" if u.columns == ("slug", "region") else ""))
                            for u in t.uniques)
            tables.append(replace(t, foreign_keys=fks, uniques=uniques))
            continue
        pk = replace(t.primary_key, name=f"{t.name}_pkey") if t.primary_key else None
        fks = tuple(replace(fk, name=f"{t.name}_{'_'.join(fk.columns)}_fkey") for fk in t.foreign_keys)
        uniques = tuple(replace(u, name=f"{t.name}_{'_'.join(u.columns)}_key") for u in t.uniques)
        checks = tuple(replace(c, name=f"{t.name}_c{n}") for n, c in enumerate(t.checks))
        tables.append(replace(t, primary_key=pk, foreign_keys=fks, uniques=uniques, checks=checks))
    author, post = sorted(tables, key=lambda t: t.name)
    return [o.CreateTable(author), o.CreateTable(post)]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_migration_file_with_the_names_dbshift_used_to_predict_still_applies_and_compares_clean(
    dialect, request, tmp_path
):
    root = project(tmp_path)
    url = database(request, tmp_path, dialect)
    path = files.write_migration(root / "migrations", "0001", (), "predicted names", predicted_names(dialect),
                                 now=datetime.now(timezone.utc))
    assert 'name="post_' in path.read_text()
    api.upgrade(config(root, url, names_models()))
    assert api.check(config(root, url, names_models())).ops == ()
    execute(url, *SEED)
    # SQLite keeps a name it is given as the constraint's own; the others read these names as their defaults
    drop_and_restore(root, url, unnamed=dialect != "sqlite")


def test_a_migration_naming_keys_as_postgresql_did_drops_them_where_the_database_made_them_unnamed(
    db_url, request, tmp_path
):
    """A file written on PostgreSQL by an earlier dbshift drops ``post_editor_id_fkey`` and
    ``post_slug_region_key``; on a database where create_all() made those keys unnamed (MariaDB calls them
    ``post_ibfk_2`` and ``slug_2``, SQLite nothing) the keys doing the same are the ones dropped."""
    root = project(tmp_path)
    first = api.revision(config(root, database(request, tmp_path, OTHER[dialect_of(db_url)]), names_models()),
                         "names", autogenerate=True)
    assert first.revision is not None
    create_all(db_url)
    execute(db_url, *SEED)
    before = rows(db_url)
    api.stamp(config(root, db_url, names_models()), "head")
    post = from_metadata(names_models(), dialect_of(db_url)).table("post")
    editor = next(fk for fk in post.foreign_keys if fk.columns == ("editor_id",))
    slug_region = next(u for u in post.uniques if u.columns == ("slug", "region"))
    files.write_migration(root / "migrations", "0002", (first.revision.id,), "drop two, named", [
        o.DropConstraint("post", replace(editor, name="post_editor_id_fkey")),
        o.DropConstraint("post", replace(slug_region, name="post_slug_region_key")),
    ], now=datetime.now(timezone.utc))
    api.upgrade(config(root, db_url, names_models(dropped=True)))
    assert api.check(config(root, db_url, names_models(dropped=True))).ops == ()
    api.downgrade(config(root, db_url, names_models()), "-1")  # made again, now under PostgreSQL's names
    assert api.check(config(root, db_url, names_models())).ops == ()
    assert rows(db_url) == before


def awards(unique: bool = True) -> sa.MetaData:
    md = sa.MetaData()
    sa.Table("author", md, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table("award", md, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("author_id", sa.ForeignKey("author.id")), sa.Column("title", sa.String(20)),
             *((sa.UniqueConstraint("author_id", "title"),) if unique else ()))
    return md


def test_an_unnamed_unique_key_serving_an_unnamed_foreign_key_is_dropped_and_made_again(db_url, tmp_path):
    """MariaDB names the unique key ``author_id`` after its first column, and it is the index the foreign key
    ``award_ibfk_1`` uses: dropping it leaves the foreign key an index of its own, in the same statement."""
    root = project(tmp_path)
    engine = create_engine(db_url)
    awards().create_all(engine)
    engine.dispose()
    execute(db_url, "INSERT INTO author (id) VALUES (1)", "INSERT INTO award (id, author_id, title) VALUES (1, 1, 'x')")
    dropped = api.revision(config(root, db_url, awards(unique=False)), "drop", autogenerate=True)
    assert [type(op.constraint).__name__ for op in dropped.ops] == ["Unique"]  # type: ignore[attr-defined]
    api.upgrade(config(root, db_url, awards(unique=False)))
    assert api.check(config(root, db_url, awards(unique=False))).ops == ()
    api.downgrade(config(root, db_url, awards()), "-1")
    assert api.check(config(root, db_url, awards())).ops == ()
    with pytest.raises(sa.exc.IntegrityError):  # the unique key is back
        execute(db_url, "INSERT INTO award (id, author_id, title) VALUES (2, 1, 'x')")


# --- offline: the database's default names, said so ------------------------------------------


def test_sql_output_drops_unnamed_constraints_by_the_database_default_names_and_says_so(pg_url, mysql_url, tmp_path):
    for n, (url, expected) in enumerate((
        (pg_url, ['ALTER TABLE post DROP CONSTRAINT post_editor_id_fkey',
                  'ALTER TABLE post DROP CONSTRAINT post_slug_region_key']),
        (mysql_url, ['ALTER TABLE post DROP FOREIGN KEY post_ibfk_2', 'DROP INDEX editor_id ON post',
                     'ALTER TABLE post DROP INDEX slug_2']),
    )):
        root = project(tmp_path / str(n))
        api.revision(config(root, url, names_models()), "tables", autogenerate=True)
        api.upgrade(config(root, url, names_models()))
        second = api.revision(config(root, url, names_models(dropped=True)), "drop two", autogenerate=True)
        assert second.revision is not None
        script = api.upgrade_sql(config(root, url, names_models(dropped=True)), f"{second.revision.parents[0]}:head")
        lines = script.sql.splitlines()
        for statement in expected:
            assert f"{statement};" in lines, script.sql
        assert sum("was not read from the database" in line for line in lines) == 2, script.sql

        api.upgrade(config(root, url, names_models(dropped=True)))  # online, the same names, read from the database
        assert api.check(config(root, url, names_models(dropped=True))).ops == ()


# --- within one run -------------------------------------------------------------------------


def test_one_run_drops_the_unnamed_key_it_made_by_the_name_the_database_gave_it(db_url, tmp_path):
    """Made, dropped, made again and dropped in one run: MariaDB names the key added last ``post_ibfk_3``
    (after the highest number there ever was), which no count of the keys could tell; the run reads the
    database again before dropping it, and drops that key, not ``post_ibfk_2`` (the editor's)."""
    dialect = dialect_of(db_url)
    md = sa.MetaData()
    sa.Table("author", md, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table(
        "post", md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("author_id", sa.ForeignKey("author.id")),
        sa.Column("editor_id", sa.ForeignKey("author.id")),
        sa.Column("parent_id", sa.Integer),
    )
    author, post = from_metadata(md, dialect).tables
    by_author, by_editor = post.foreign_keys
    by_parent = replace(by_author, columns=("parent_id",), ref_table="post")
    root = project(tmp_path)
    steps = [
        [o.CreateTable(author), o.CreateTable(post)],
        [o.DropConstraint("post", by_author)],
        [o.AddConstraint("post", by_parent)],
        [o.DropConstraint("post", by_parent)],
    ]
    now = datetime.now(timezone.utc)
    for n, ops in enumerate(steps):
        files.write_migration(root / "migrations", f"000{n + 1}", (f"000{n}",) if n else (), f"step {n + 1}", ops,
                              now=now)
    md.tables["post"].constraints.remove(next(c for c in md.tables["post"].foreign_key_constraints
                                              if c.column_keys == ["author_id"]))
    api.upgrade(config(root, db_url, md))  # all four in one run
    assert api.check(config(root, db_url, md)).ops == ()  # the editor's key is there, the others are not
    api.downgrade(config(root, db_url, md), "base")  # all four back in one run
    assert api.database_schema(config(root, db_url, md))[0].tables == ()


def test_an_unnamed_key_the_database_does_not_hold_is_refused_not_guessed(db_url, tmp_path):
    """Dropping an unnamed key that is not there fails with one line naming what was looked for, instead of
    dropping whatever holds the name the database would have given it (on MariaDB, ``post_ibfk_1``)."""
    root = project(tmp_path)
    first = api.revision(config(root, db_url, names_models()), "tables", autogenerate=True)
    assert first.revision is not None
    api.upgrade(config(root, db_url, names_models()))
    never_made = o.DropConstraint("post", m.ForeignKey(("lang",), "author", ("code",)))
    files.write_migration(root / "migrations", "9999", (first.revision.id,), "drop a key never made", [never_made],
                          now=datetime.now(timezone.utc))
    with pytest.raises(MigrationFailed) as failed:
        api.upgrade(config(root, db_url, names_models()))
    assert "table post has no foreign key (lang) referencing author (code) to drop" in str(failed.value)
    assert len(database_schema(root, db_url).table("post").foreign_keys) == 4, "every key kept"


def database_schema(root: Path, url: str) -> m.Schema:
    return api.database_schema(config(root, url, names_models()))[0]


# --- PostgreSQL: shortened and numbered names ----------------------------------------------------


def test_postgresql_names_shortened_to_63_bytes_or_numbered_read_as_none(pg_url, tmp_path):
    table = "quarterly_reconciliation_report_line_item_adjustment"  # 52 characters
    column = "adjustment_reason_code_from_the_finance_department"  # 50 characters
    execute(
        pg_url,
        "CREATE TABLE parent (id integer PRIMARY KEY)",
        f"CREATE TABLE {table} (id integer PRIMARY KEY, {column} integer REFERENCES parent (id), a integer,"
        f" UNIQUE ({column}), CHECK ({column} > 0), CHECK ({column} < 100))",
    )
    engine = create_engine(pg_url)
    with engine.connect() as conn:
        chosen = sorted(r[0] for r in conn.exec_driver_sql(
            f"SELECT conname FROM pg_constraint WHERE conrelid = '{table}'::regclass"))
    engine.dispose()
    assert all(len(n) <= 63 for n in chosen) and any(n.endswith("_check1") for n in chosen)
    found = database_schema(project(tmp_path), pg_url).table(table)
    assert [c.name for c in found.constraints] == [None] * 5
    assert sorted(str(c.server_name) for c in found.constraints) == chosen


def test_postgresql_numbers_a_name_another_relation_holds(pg_url, tmp_path):
    execute(pg_url, "CREATE TABLE t (id integer PRIMARY KEY, a integer)", "CREATE INDEX t_a_key ON t (id)",
            "ALTER TABLE t ADD UNIQUE (a)")
    unique = database_schema(project(tmp_path), pg_url).table("t").uniques[0]
    assert (unique.name, unique.server_name) == (None, "t_a_key1")
