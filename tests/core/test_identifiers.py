"""Name limits: PostgreSQL counts bytes (63), MySQL and MariaDB characters (64); PostgreSQL's own names."""

from __future__ import annotations

from dbshift.core.identifiers import NameTooLong, pg_object_name, too_long
from dbshift.core.model import Column, Index, Schema, Table, Unique


def test_name_limits_count_bytes_on_postgresql_and_characters_on_mysql():
    wide = Table("é" * 40, (Column("id", "integer"),))
    assert [e.what for e in too_long(Schema.of([wide]), "postgresql")] == [f"table {'é' * 40}"]
    assert too_long(Schema.of([wide]), "mysql") == [] and too_long(Schema.of([wide]), "sqlite") == []
    problem = too_long(Schema.of([Table("t", (Column("c" * 65, "integer"),))]), "mariadb")[0]
    assert isinstance(problem, NameTooLong)
    assert str(problem) == (
        f"the name of column t.{'c' * 65} is 65 characters long; MariaDB allows 64 (it refuses longer ones): "
        "give it a shorter name in the models"
    )


def test_every_kind_of_name_is_measured_down_to_the_shortest_that_can_pass_the_limit():
    """Sixteen 4-byte characters are 64 bytes: one over PostgreSQL's limit, in each place a name can be."""
    wide, fits = "\U0001d538" * 16, "\U0001d538" * 15
    table = Table(wide, (Column(wide, "integer"), Column(fits, "integer")), indexes=(Index(wide, ("id",)),),
                  uniques=(Unique((fits,), wide),))
    found = [e.what for e in too_long(Schema.of([table]), "postgresql")]
    assert found == [f"table {wide}", f"column {wide}.{wide}", f"constraint {wide} of table {wide}",
                     f"index {wide} of table {wide}"]


def test_postgresql_object_names_shorten_the_longer_part_first():
    assert pg_object_name("t", "id", "seq") == "t_id_seq"
    assert pg_object_name("a" * 50, "b" * 21, "seq") == "a" * 37 + "_" + "b" * 21 + "_seq"
    assert pg_object_name("é" * 40, "c", "seq") == "é" * 28 + "_c_seq"  # never half a character
