"""Property: for random pairs of schemas A → B, the generated migration converges, keeps data, and reverses.

Hypothesis generates a schema A over the portable kinds (columns of common
types and enums, nullability, server defaults, unique constraints, indexes,
foreign keys with their ON DELETE actions, CHECK constraints; columns renamed
with ``renamed_from``; on SQLite, AUTOINCREMENT and WITHOUT ROWID tables) and a
B derived from A by random edits.  On each real database: migrate to A, insert
rows, migrate to B — nothing is left to change and rows in unchanged columns
survived — then downgrade: the database equals A again, rows intact.

On SQLite every connection enforces foreign keys, as an application's
``connect`` listener makes it (SQLAlchemy's recipe): a rebuild of a parent
table must still keep each child row and its reference.
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import itertools
import os
import sqlite3
from dataclasses import dataclass, field, replace
from pathlib import Path

import sqlalchemy as sa
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from dbshift import api
from dbshift.config import Config
from dbshift.api.errors import UnacknowledgedFinding
from dbshift.core.safety import UnsafeNotNull
from dbshift.runner import MigrationFailed
from dbshift.database.connect import create_engine

# type name → (SQLAlchemy type, a value for row i, a server default literal, types it may change to)
TYPES = {
    "integer": (sa.Integer, lambda i: i + 1, "0", ("bigint",)),
    "bigint": (sa.BigInteger, lambda i: 3_000_000_000 if i == 2 else i + 10, "1", ("integer",)),
    "varchar20": (lambda: sa.String(20), lambda i: f"v{i}", "x", ("varchar50", "text")),
    "varchar50": (lambda: sa.String(50), lambda i: f"w{i}" + ("-longer-than-twenty" if i == 2 else ""), "y",
                  ("varchar20", "text")),
    "text": (sa.Text, lambda i: f"t{i}" + ("-" * 60 if i == 2 else ""), None, ("varchar50",)),
    "boolean": (sa.Boolean, lambda i: i % 2 == 0, None, ()),
    "numeric": (lambda: sa.Numeric(10, 2), lambda i: decimal.Decimal(i) + decimal.Decimal("0.5"), "0", ("numeric12",)),
    "numeric12": (lambda: sa.Numeric(12, 2),
                  lambda i: decimal.Decimal("1234567890.25") if i == 2 else decimal.Decimal(i) + decimal.Decimal("0.25"),
                  "1", ("numeric",)),
    "date": (sa.Date, lambda i: datetime.date(2020, 1, i + 1), None, ()),
    # a native enum type on PostgreSQL (one per column), an inline ENUM on MySQL, VARCHAR(1) on SQLite
    "enum3": (lambda: sa.Enum("a", "b", "c", name="e"), lambda i: "abc"[i % 3], "a", ("enum4",)),
    "enum4": (lambda: sa.Enum("a", "b", "c", "d", name="e"), lambda i: "abcd"[i % 4], "b", ("enum3",)),
}
NAMES = [f"c{i}" for i in range(8)]


@dataclass(frozen=True)
class Col:
    name: str
    kind: str
    nullable: bool = True
    default: bool = False  # a server default
    renamed_from: str | None = None  # declared next to the model: info={"renamed_from": ...}


@dataclass(frozen=True)
class Tab:
    name: str
    columns: tuple[Col, ...]
    unique: tuple[str, ...] = ()  # one unique constraint over these columns
    index: tuple[str, ...] = ()  # one index over these columns
    parent: str | None = None  # a nullable foreign key column "parent_id" → parent.id
    check: bool = False  # a column k with a CHECK constraint
    retired: tuple[str, ...] = ()  # names of columns dropped or renamed away: not for new columns
    on_delete: str | None = None  # the ON DELETE action of the foreign key to the parent
    sqlite: str = ""  # SQLite only: "autoincrement" or "without_rowid"


@dataclass(frozen=True)
class Spec:
    tables: tuple[Tab, ...] = field(default_factory=tuple)

    def table(self, name: str) -> Tab | None:
        return next((t for t in self.tables if t.name == name), None)


def build(spec: Spec) -> sa.MetaData:
    md = sa.MetaData()
    for t in spec.tables:
        cols = [sa.Column("id", sa.Integer, primary_key=True)]
        for c in t.columns:
            type_, _, default, _ = TYPES[c.kind]
            server_default = default if c.default and default is not None else None
            sa_type = type_()
            if isinstance(sa_type, sa.Enum):
                sa_type = sa.Enum(*sa_type.enums, name=f"{t.name}_{c.name}_enum")
            info = {"renamed_from": c.renamed_from} if c.renamed_from else {}
            cols.append(sa.Column(c.name, sa_type, nullable=c.nullable, server_default=server_default, info=info))
        if t.parent:
            fk = sa.ForeignKey(f"{t.parent}.id", name=f"fk_{t.name}_parent", ondelete=t.on_delete)
            cols.append(sa.Column("parent_id", sa.Integer, fk))
        options = {"sqlite_autoincrement": t.sqlite == "autoincrement", "sqlite_with_rowid": t.sqlite != "without_rowid"}
        table = sa.Table(t.name, md, *cols, **options)
        if t.unique:
            table.append_constraint(sa.UniqueConstraint(*t.unique, name=f"uq_{t.name}"))
        if t.index:
            sa.Index(f"ix_{t.name}", *[table.c[n] for n in t.index])
        if t.check:  # on a column of its own: MySQL refuses a CHECK on an AUTO_INCREMENT column
            table.append_column(sa.Column("k", sa.Integer, server_default="0"))
            table.append_constraint(sa.CheckConstraint("k >= 0 AND k < 100", name=f"ck_{t.name}_k"))
    return md


@st.composite
def columns(draw) -> tuple[Col, ...]:
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True))
    return tuple(
        Col(n, draw(st.sampled_from(sorted(TYPES))), draw(st.booleans()), draw(st.booleans())) for n in names
    )


@st.composite
def table_spec(draw, name: str, parents: list[str]) -> Tab:
    cols = draw(columns())
    names = [c.name for c in cols]
    indexable = [c.name for c in cols if c.kind not in ("text", "boolean")]  # MySQL cannot index TEXT; booleans repeat
    unique = tuple(draw(st.lists(st.sampled_from(indexable), max_size=2, unique=True))) if indexable else ()
    index = tuple(draw(st.lists(st.sampled_from(indexable), max_size=2, unique=True))) if indexable else ()
    parent = draw(st.sampled_from([None] + parents))
    del names
    on_delete = draw(st.sampled_from(ON_DELETE))
    return Tab(name, cols, unique, index, parent, draw(st.booleans()), on_delete=on_delete, sqlite=draw(SQLITE_OPTIONS))


ON_DELETE = [None, "CASCADE", "SET NULL"]
SQLITE_OPTIONS = st.sampled_from(["", "autoincrement", "without_rowid"])


@st.composite
def schema_spec(draw) -> Spec:
    count = draw(st.integers(1, 3))
    tables: list[Tab] = []
    for i in range(count):
        tables.append(draw(table_spec(f"t{i}", [t.name for t in tables])))
    return Spec(tuple(tables))


@st.composite
def edited(draw, spec: Spec) -> Spec:
    """B: A with one to three random edits."""
    for _ in range(draw(st.integers(1, 3))):
        spec = draw(st.sampled_from(EDITS))(draw, spec)
    return spec


def _pick(draw, spec: Spec) -> Tab:
    return draw(st.sampled_from(spec.tables))


def _swap(spec: Spec, table: Tab) -> Spec:
    return Spec(tuple(table if t.name == table.name else t for t in spec.tables))


def _taken(t: Tab) -> set[str]:
    """Names in use, and names columns were renamed from (not to be reused by another column)."""
    return {c.name for c in t.columns} | {c.renamed_from for c in t.columns if c.renamed_from} | set(t.retired)


def add_column(draw, spec):
    t = _pick(draw, spec)
    free = [n for n in NAMES if n not in _taken(t)]
    if not free:
        return spec
    kind = draw(st.sampled_from([k for k, v in TYPES.items() if v[2] is not None]))
    nullable = draw(st.booleans())
    return _swap(spec, replace(t, columns=t.columns + (Col(free[0], kind, nullable, default=not nullable),)))


def drop_column(draw, spec):
    t = _pick(draw, spec)
    keep = [c for c in t.columns if c.name not in t.unique + t.index]
    if len(t.columns) < 2 or len(keep) == len(t.columns) and len(keep) < 2:
        return spec
    gone = draw(st.sampled_from([c for c in t.columns if c.name not in t.unique + t.index] or [None]))
    if gone is None:
        return spec
    return _swap(spec, replace(t, columns=tuple(c for c in t.columns if c != gone), retired=t.retired + (gone.name,)))


def change_type(draw, spec):
    t = _pick(draw, spec)
    c = draw(st.sampled_from(t.columns))
    targets = TYPES[c.kind][3]
    if not targets or (c.name in t.unique + t.index and "text" in targets):
        return spec
    kind = draw(st.sampled_from([k for k in targets if k != "text" or c.name not in t.unique + t.index] or [c.kind]))
    default = c.default and TYPES[kind][2] is not None
    return _swap(spec, replace(t, columns=tuple(replace(x, kind=kind, default=default) if x == c else x for x in t.columns)))


def toggle_nullable(draw, spec):
    t = _pick(draw, spec)
    c = draw(st.sampled_from(t.columns))
    return _swap(spec, replace(t, columns=tuple(replace(x, nullable=not x.nullable) if x == c else x for x in t.columns)))


def toggle_default(draw, spec):
    t = _pick(draw, spec)
    c = draw(st.sampled_from(t.columns))
    if TYPES[c.kind][2] is None or (not c.nullable and c.default):
        return spec
    return _swap(spec, replace(t, columns=tuple(replace(x, default=not x.default) if x == c else x for x in t.columns)))


def change_index_or_unique(draw, spec):
    t = _pick(draw, spec)
    indexable = [c.name for c in t.columns if c.kind not in ("text", "boolean")]
    chosen = tuple(draw(st.lists(st.sampled_from(indexable), max_size=2, unique=True))) if indexable else ()
    return _swap(spec, replace(t, **{draw(st.sampled_from(["unique", "index"])): chosen}))


def rename_column(draw, spec):
    t = _pick(draw, spec)
    c = draw(st.sampled_from(t.columns))
    free = [n for n in NAMES if n not in _taken(t)]
    if not free:
        return spec
    new = replace(c, name=free[0], renamed_from=c.renamed_from or c.name)

    def follow(names: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(new.name if n == c.name else n for n in names)

    columns = tuple(new if x == c else x for x in t.columns)
    retired = t.retired + (c.name,)
    return _swap(spec, replace(t, columns=columns, unique=follow(t.unique), index=follow(t.index), retired=retired))


def toggle_check(draw, spec):
    t = _pick(draw, spec)
    return _swap(spec, replace(t, check=not t.check))


def add_table(draw, spec):
    name = f"t{len(spec.tables) + 10}"
    return Spec(spec.tables + (draw(table_spec(name, [t.name for t in spec.tables])),))


def drop_table(draw, spec):
    if len(spec.tables) < 2:
        return spec
    t = draw(st.sampled_from([t for t in spec.tables if not any(o.parent == t.name for o in spec.tables)] or [None]))
    if t is None:
        return spec
    return Spec(tuple(x for x in spec.tables if x.name != t.name))


def toggle_foreign_key(draw, spec):
    t = _pick(draw, spec)
    others = [o.name for o in spec.tables if o.name < t.name]
    return _swap(spec, replace(t, parent=None if t.parent else (others[0] if others else None)))


def change_sqlite_options(draw, spec):
    t = _pick(draw, spec)
    return _swap(spec, replace(t, sqlite=draw(SQLITE_OPTIONS)))


EDITS = [add_column, drop_column, change_type, toggle_nullable, toggle_default, change_index_or_unique, add_table,
         drop_table, toggle_foreign_key, toggle_check, rename_column, change_sqlite_options]


def rows_for(spec: Spec) -> dict[str, list[dict]]:
    data = {}
    for t in spec.tables:
        data[t.name] = [
            {"id": i + 1, **{c.name: TYPES[c.kind][1](i) for c in t.columns}, **({"parent_id": i + 1} if t.parent else {})}
            for i in range(3)
        ]
    return data


def surviving(a: Spec, b: Spec) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Columns whose data must survive A → B (in both, maybe renamed, same kind): their names in A and in B."""
    keep_a, keep_b = {}, {}
    for t in a.tables:
        other = b.table(t.name)
        if other:
            by_old_name = {c.renamed_from or c.name: c for c in other.columns}
            pairs = [(c.name, by_old_name[c.name].name) for c in t.columns
                     if c.name in by_old_name and _family(by_old_name[c.name].kind) == _family(c.kind)]
            referenced = ["parent_id"] if t.parent and other.parent == t.parent else []
            keep_a[t.name] = ["id"] + [old for old, _ in pairs] + referenced
            keep_b[t.name] = ["id"] + [new for _, new in pairs] + referenced
    return keep_a, keep_b


def _family(kind: str) -> str:
    """Kinds whose values read the same after a change between them (when the new type holds them at all)."""
    return {"varchar20": "string", "varchar50": "string", "text": "string", "integer": "whole", "bigint": "whole",
            "numeric": "decimal", "numeric12": "decimal", "enum3": "enum", "enum4": "enum"}.get(kind, kind)


def snapshot(url: str, keep: dict[str, list[str]]) -> dict:
    engine = create_engine(url)
    with engine.connect() as conn:
        q = engine.dialect.identifier_preparer.quote
        result = {
            t: [tuple(str(v) for v in r) for r in conn.exec_driver_sql(f"SELECT {', '.join(q(c) for c in cols)} FROM {q(t)} ORDER BY id")]
            for t, cols in keep.items()
        }
    engine.dispose()
    return result


def reset(url: str, counter=itertools.count()) -> str:
    """An empty database for the next example."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"sqlite:///{Path(parsed.database).with_name(f'p{next(counter)}.db')}"
    engine = create_engine(url)
    with engine.begin() as conn:
        if parsed.get_backend_name() == "postgresql":
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        else:
            names = [r[0] for r in conn.exec_driver_sql("SHOW TABLES")]
            conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 0")
            for name in names:
                conn.exec_driver_sql(f"DROP TABLE `{name}`")
            conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 1")
    engine.dispose()
    return url


@st.composite
def pairs(draw):
    a = draw(schema_spec())
    return a, draw(edited(a))


# CI runs a fixed set of examples (a red build is then reproducible); elsewhere each run explores new ones.
# DBSHIFT_PROPERTY_EXAMPLES raises the count for a longer search.
@settings(
    max_examples=int(os.environ.get("DBSHIFT_PROPERTY_EXAMPLES", "25")),
    derandomize=os.environ.get("CI", "").lower() == "true",
    deadline=None, suppress_health_check=list(HealthCheck), database=None,
)
@given(pair=pairs())
def test_random_pairs_converge_keep_rows_and_reverse(db_url: str, tmp_path_factory, pair) -> None:
    with foreign_keys_enforced():
        _random_pair(db_url, tmp_path_factory, pair)


def _foreign_keys_on(dbapi_connection, connection_record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA foreign_keys=ON")


@contextlib.contextmanager
def foreign_keys_enforced():
    """SQLAlchemy's recipe, as an application registers it: every SQLite connection enforces foreign keys."""
    sa.event.listen(Engine, "connect", _foreign_keys_on)
    try:
        yield
    finally:
        sa.event.remove(Engine, "connect", _foreign_keys_on)


LOSSES = ("DS101", "DS102")  # what models that drop a table or a column ask for: acknowledged as intended


def _upgrade_acknowledging_losses(config: Config, path) -> None:
    """Upgrade; a refusal for data the models drop is acknowledged in the file (as a user would), then run."""
    try:
        api.upgrade(config)
        return
    except UnacknowledgedFinding as refused:
        if refused.code not in LOSSES:
            raise
    event("data dropped, acknowledged in the file")
    reasons = ", ".join(f'"{code}": "the models drop it"' for code in LOSSES)
    text = path.read_text()
    path.write_text(text.replace("\nupgrade = [", f"\nlint_ignore = {{{reasons}}}\nupgrade = [", 1))
    api.upgrade(config)


def _random_pair(db_url: str, tmp_path_factory, pair) -> None:
    a, b = pair
    url = reset(db_url)
    root = tmp_path_factory.mktemp("prop")
    (root / "migrations").mkdir()

    def config(spec: Spec) -> Config:
        return Config(root=root, migrations=root / "migrations", url=url, url_source="test", metadata_object=build(spec))

    api.revision(config(a), "a", autogenerate=True)
    api.upgrade(config(a))
    assert api.check(config(a)).ok
    engine = create_engine(url)
    with engine.begin() as conn:
        md = build(a)
        for t in a.tables:  # parents first: specs only reference earlier tables
            conn.execute(md.tables[t.name].insert(), rows_for(a)[t.name])
    engine.dispose()
    keep_a, keep_b = surviving(a, b)
    before = snapshot(url, keep_a)

    try:
        result = api.revision(config(b), "b", autogenerate=True)
    except UnsafeNotNull:  # refused before anything runs: a NOT NULL column without a value for the rows
        event("refused: a NOT NULL column without a default")
        assert snapshot(url, keep_a) == before and api.check(config(a)).ok, "a refusal changes nothing"
        return
    if result.path is None:
        event("edits cancelled out")
        assert api.check(config(b)).ok
        return
    event("migrated A -> B -> A")
    if any(c.renamed_from for t in b.tables for c in t.columns):
        event("with a column renamed")
    try:
        _upgrade_acknowledging_losses(config(b), result.path)
    except UnacknowledgedFinding as refused:  # the rows would make the change fail: refused before it starts
        event(f"refused: {refused.code} on the rows")
        assert snapshot(url, keep_a) == before and api.check(config(a)).ops == (), "a refusal changes nothing"
        return
    except MigrationFailed as failed:  # a type change that would cut, round or overflow a row's value
        assert "would be cut, rounded or refused" in str(failed), failed
        event("refused: a value the new type would change")
        if sa.engine.make_url(url).get_backend_name() != "mysql":  # one transaction: nothing of it remains
            assert snapshot(url, keep_a) == before and api.check(config(a)).ops == ()
        return
    assert api.check(config(b)).ops == ()
    assert snapshot(url, keep_b) == before, "every value kept exactly, changed types included"

    api.downgrade(config(a), "-1")
    assert api.check(config(a)).ops == ()
    assert snapshot(url, keep_a) == before
