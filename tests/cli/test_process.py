"""The ``dbshift`` process ends at once when its command is done, yet loses nothing the interpreter's own exit
would have done: the whole output, the exit code, ``atexit`` handlers, and a thread the app left running."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

MODELS = '''\
import atexit, pathlib, threading, time
import sqlalchemy as sa

metadata = sa.MetaData()
for i in range(300):
    sa.Table(f"t{i:03d}", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(80)))

HERE = pathlib.Path(__file__).parent
atexit.register(lambda: (HERE / "atexit.done").write_text("ran"))

def _late():
    time.sleep(0.5)
    (HERE / "thread.done").write_text("ran")

if (HERE / "start-thread").exists():
    threading.Thread(target=_late).start()  # not a daemon: the interpreter waits for it
'''


def _project(root: Path) -> Path:
    (root / "migrations").mkdir(parents=True)
    (root / "models.py").write_text(MODELS)
    (root / "pyproject.toml").write_text(textwrap.dedent(f"""\
        [tool.dbshift]
        url = "sqlite:///{root / 'app.db'}"
        metadata = "models:metadata"
        """))
    return root


def _dbshift(root: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), str(REPO)])}
    env.pop("DBSHIFT_URL", None)
    return subprocess.run([sys.executable, "-m", "dbshift", *argv], cwd=root, env=env, capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)


def test_output_exit_code_and_atexit_handlers_survive_the_quick_exit(tmp_path):
    root = _project(tmp_path / "p")
    done = _dbshift(root, "check")
    assert done.returncode == 2, done.stderr  # 300 tables the database lacks: differences
    assert done.stdout.count("create table t") == 300 and done.stdout.rstrip().endswith("t299")
    assert (root / "atexit.done").read_text() == "ran"


def test_a_thread_still_running_is_waited_for(tmp_path):
    root = _project(tmp_path / "p")
    (root / "start-thread").touch()
    done = _dbshift(root, "check")
    assert done.returncode == 2, done.stderr
    assert (root / "thread.done").read_text() == "ran"
    assert (root / "atexit.done").read_text() == "ran"


def test_a_failure_keeps_its_exit_code_and_line(tmp_path):
    root = _project(tmp_path / "p")
    (root / "pyproject.toml").write_text('[tool.dbshift]\nurl = "nosuchdb://x"\n')
    done = _dbshift(root, "current")
    assert done.returncode == 1 and done.stderr.count("\n") == 1 and "error" in done.stderr


GC_PROBE = '''\
import gc, json, pathlib
import sqlalchemy as sa

metadata = sa.MetaData()
sa.Table("shop", metadata, sa.Column("id", sa.Integer, primary_key=True))
pathlib.Path(__file__).with_name("gc.json").write_text(json.dumps({"collecting": gc.isenabled(),
                                                                   "thresholds": gc.get_threshold()}))
'''


def test_the_models_are_imported_with_no_garbage_collected_then_left_out_of_later_collections(tmp_path):
    """What the models build lives until the command ends: the process collects no garbage while importing them
    and freezes what is there afterwards (the result of ``check`` is the usual one)."""
    root = _project(tmp_path / "p")
    (root / "models.py").write_text(GC_PROBE)
    done = _dbshift(root, "check")
    assert done.returncode == 2 and "create table shop" in done.stdout, done.stderr
    seen = json.loads((root / "gc.json").read_text())
    assert seen["collecting"] is False  # while the models were imported


def test_models_loaded_by_a_program_of_its_own_leave_its_garbage_collector_as_it_was(tmp_path):
    """A program (a test, an app) that loads the models through dbshift keeps its own collector: nothing frozen."""
    from dbshift.project.models import load_metadata

    root = _project(tmp_path / "p")
    (root / "models.py").write_text(GC_PROBE.replace("gc.json", "gc-library.json"))
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    try:
        assert "shop" in load_metadata("models:metadata", root).tables
    finally:
        sys.modules.pop("models", None)
        sys.path.remove(str(root))
    assert gc.get_threshold() == before and gc.get_freeze_count() == frozen
    seen = json.loads((root / "gc-library.json").read_text())
    assert seen["collecting"] is True and tuple(seen["thresholds"]) == before


def test_kept_to_the_end_collects_again_afterwards_and_freezes_what_exists(tmp_path):
    from dbshift.project.models import kept_to_the_end

    assert gc.isenabled()
    gc.unfreeze()
    try:
        with pytest.raises(RuntimeError), kept_to_the_end():
            assert not gc.isenabled()
            kept = [[i] for i in range(100)]
            raise RuntimeError("the models fail to import")
        assert gc.isenabled() and gc.get_freeze_count() >= len(kept)
        gc.disable()
        with kept_to_the_end():
            pass
        assert not gc.isenabled()  # as the program had it
    finally:
        gc.enable()
        gc.unfreeze()
