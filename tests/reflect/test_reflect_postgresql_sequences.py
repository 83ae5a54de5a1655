"""PostgreSQL reflection of sequence options, serial columns' own sequences, schemas, UNLOGGED and CLUSTER."""

from __future__ import annotations

import sqlalchemy as sa

from dbshift.core.model import Sequence
from dbshift.sqla.reflect import reflect, schema_names

DDL = """
CREATE SCHEMA "Books";
CREATE SCHEMA empty;
CREATE SEQUENCE "Books".isbn AS integer INCREMENT BY -3 MINVALUE -1000 MAXVALUE 50 START WITH 40 CACHE 7 CYCLE;
CREATE SEQUENCE plain;
CREATE TABLE shelf (id serial PRIMARY KEY, label text);
CREATE TABLE box (id bigserial PRIMARY KEY);
ALTER SEQUENCE box_id_seq INCREMENT BY 2;
CREATE UNLOGGED TABLE scratch (id integer PRIMARY KEY);
ALTER TABLE scratch CLUSTER ON scratch_pkey;
"""


def test_sequence_options_owned_sequences_schemas_and_table_flags(
    pg_engine: sa.Engine, execute_script  # noqa: ANN001
) -> None:
    with pg_engine.begin() as conn:
        execute_script(conn, DDL)
    with pg_engine.connect() as conn:
        schema = reflect(conn, schemas=(None, "Books", "empty", "missing"))
        names = schema_names(conn)
    assert schema.sequences == (
        Sequence("isbn", start=40, increment=-3, schema="Books", minvalue=-1000, maxvalue=50, cycle=True, cache=7,
                 data_type="integer"),
        # a serial column's own sequence is listed only with options SERIAL would not give it
        Sequence("box_id_seq", increment=2, owned_by=("box", "id")),
        Sequence("plain"),
    )
    assert schema.schemas == ("Books", "empty")  # existing ones only; public is the default
    assert {n for n in names if n in (None, "Books", "empty")} == {None, "Books", "empty"}
    assert not any(n and (n.startswith("pg_") or n == "information_schema") for n in names)
    tables = {t.key: t for t in schema.tables}
    assert tables["scratch"].unlogged and tables["scratch"].cluster_on == "scratch_pkey"
    assert not tables["shelf"].unlogged and tables["shelf"].cluster_on is None
