"""Autogenerate measures the tables it changes and writes the online forms for the large ones; the advice
``lint`` prints for a plain change is exactly what autogenerate writes."""

from __future__ import annotations

import dataclasses
import re

import dbshift.migration
from dbshift import api
from dbshift.core.graph import Revision
from dbshift.project import files
from dbshift.project.config import Config
from tests.runner.test_online_postgres import _models, _populate


def _config(tmp_path, url: str, **values) -> Config:
    (tmp_path / "migrations").mkdir(parents=True, exist_ok=True)
    return Config(root=tmp_path, migrations=tmp_path / "migrations", url=url, url_source="test",
                  metadata_object=_models(), **values)


def test_autogenerate_writes_online_forms_for_tables_over_the_threshold(pg_url, tmp_path):
    _populate(pg_url, rows=3_000)
    small = api.revision(_config(tmp_path / "small", pg_url, large_table_rows=10_000), "plain", autogenerate=True)
    assert "concurrently" not in small.path.read_text(), "3,000 rows are below this threshold"
    off = api.revision(_config(tmp_path / "off", pg_url, large_table_rows=1_000, online_forms=False), "off",
                       autogenerate=True)
    assert "concurrently" not in off.path.read_text(), "online_forms = false writes the plain forms"
    config = _config(tmp_path / "online", pg_url, large_table_rows=1_000)
    text = api.revision(config, "online", autogenerate=True).path.read_text()
    assert "concurrently=True" in text and "ValidateConstraint(" in text and 'lock_timeout = "2s"' in text
    api.upgrade(config)
    assert api.check(config).ops == ()


def test_the_advice_of_a_lock_warning_is_what_autogenerate_writes(pg_url, tmp_path):
    _populate(pg_url, rows=3_000)
    plain = _config(tmp_path / "plain", pg_url, large_table_rows=100_000)
    written = api.revision(plain, "plain", autogenerate=True)
    assert "concurrently" not in written.path.read_text()
    result = api.lint(dataclasses.replace(plain, large_table_rows=1_000))
    online = api.revision(_config(tmp_path / "online", pg_url, large_table_rows=1_000), "online", autogenerate=True)
    online_ops = files.load(Revision(online.revision.id, (), "", str(online.path))).upgrade
    advised = [f for _, f in result.findings if f.code in ("DS106", "DS107")]
    assert len(advised) >= 3, [f.code for _, f in result.findings]
    for finding in advised:
        forms = re.match(r"write (\[.*\]), as autogenerate does", finding.suggestion)
        assert forms, finding.suggestion
        ops = eval(forms.group(1), vars(dbshift.migration))  # noqa: S307 - the advice is migration source
        assert ops and all(op in online_ops for op in ops), (ops, online_ops)
