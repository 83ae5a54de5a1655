"""Long tests: started first, and named while they run.

The tests in :data:`FIRST` (those taking longest, longest first) run before all others: with several test
processes, the long ones then run side by side with short ones instead of one of them ending the run alone.

Every ``DBSHIFT_SLOW_TEST`` seconds (default 20) that a test has been running,
the terminal gets ``still running (40 s): tests/…::test_x``.  With pytest-xdist
the controller hears of each test as a worker starts and finishes it, so the
same lines name the tests each worker is on.
"""

from __future__ import annotations

import os
import threading
import time

import pytest

EVERY = float(os.environ.get("DBSHIFT_SLOW_TEST", "20"))

# Test ids or their beginnings (every parameter of a test), longest first: about 7 s or more on a busy 2-core machine.
FIRST = (
    "tests/runner/test_concurrency.py::test_sixteen_runners_at_once_apply_each_migration_exactly_once",
    "tests/property/test_random_schema_pairs.py::test_random_pairs_converge_keep_rows_and_reverse[mariadb",
    "tests/property/test_random_schema_pairs.py::test_random_pairs_converge_keep_rows_and_reverse[postgresql",
    "tests/flask/test_flask_subprocess.py::test_flask_db_as_real_commands",
    "tests/test_code_quality.py::test_mypy_finds_nothing",
    "tests/runner/test_failures.py::test_a_failure_at_any_statement_leaves_an_exact_state_and_the_plan_can_be_finished[mariadb-m1s5]",
    "tests/runner/test_kill.py::test_a_killed_runner_leaves_no_lock_and_a_consistent_history",
    "tests/flask/test_flask_subprocess.py::test_the_migration_password_is_asked_for_once_without_echo",
    "tests/runner/test_kill_matrix.py::test_a_killed_session_leaves_a_truthful_history_and_the_next_run_finishes[pg-",
    "tests/cli/test_one_line_failures.py::test_a_closed_pipe_ends_the_output_quietly",
    "tests/flask/test_flask_migrate_scenarios.py::test_compare_type",
    "tests/flask/test_flask_subprocess.py::test_no_password_is_asked_when_the_server_does_not_want_one",
    "tests/flask/test_flask_subprocess.py::test_a_database_on_another_host_asks_first_in_a_terminal",
    "tests/runner/test_kill_matrix.py::test_a_killed_session_leaves_a_truthful_history_and_the_next_run_finishes[mariadb-",
    "tests/roundtrip/test_cross_database.py::test_enum_values_changed_on_one_database_change_them_on_another[postgresql-to-others",
    "tests/roundtrip/test_mysql_features.py::test_types_defaults_comments_keys_and_generated_columns",
    "tests/roundtrip/test_declared_objects.py::test_views_and_triggers_on_mariadb_and_sqlite",
    "tests/flask/test_flask_migrate_scenarios.py::test_multidb_migrate_upgrade",
    "tests/roundtrip/test_types_enums_order.py::test_postgres_enum_from_another_schema_with_a_default",
    "tests/cli/test_targets_and_secrets.py::test_a_wrong_password_in_every_form_is_one_line_without_it",
    "tests/roundtrip/test_takeover.py::test_a_history_generated_on_one_database_applies_on_another",
    "tests/runner/test_waits_and_timeouts.py::test_create_index_concurrently_while_another_runner_waits_for_the_lock",
    "tests/roundtrip/test_pg_types_security.py::test_composite_types_gain_and_lose_attributes_in_place_and_range_types_are_made_again",
    "tests/reflect/test_reflect_mysql.py::test_query_count_does_not_grow",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests of :data:`FIRST` first, in its order; the others after them, in their own order."""

    def rank(item: pytest.Item) -> int:
        return next((i for i, start in enumerate(FIRST) if item.nodeid.startswith(start)), len(FIRST))

    items.sort(key=rank)


class SlowTests:
    def __init__(self, config: pytest.Config) -> None:
        self.out = _terminal(config)
        self.running: dict[str, float] = {}
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._watch, name="slow-tests", daemon=True)
        self.thread.start()

    @pytest.hookimpl
    def pytest_runtest_logstart(self, nodeid: str) -> None:
        with self.lock:
            self.running[nodeid] = time.monotonic()

    @pytest.hookimpl
    def pytest_runtest_logfinish(self, nodeid: str) -> None:
        with self.lock:
            self.running.pop(nodeid, None)

    @pytest.hookimpl
    def pytest_unconfigure(self) -> None:
        self.stop.set()

    def _watch(self) -> None:
        told: dict[str, int] = {}
        while not self.stop.wait(min(1.0, EVERY / 2)):
            now = time.monotonic()
            with self.lock:
                running = dict(self.running)
            for nodeid, started in running.items():
                times = int((now - started) // EVERY)
                if times > told.get(nodeid, 0):
                    told[nodeid] = times
                    self._say(f"still running ({now - started:.0f} s): {nodeid}")

    def _say(self, line: str) -> None:
        os.write(self.out, f"\n{line}\n".encode())


def _terminal(config: pytest.Config) -> int:
    """A file descriptor of the terminal pytest writes to, which a running test's output capture leaves alone."""
    capture = config.pluginmanager.get_plugin("capturemanager")
    if capture is None:
        return os.dup(1)
    capture.suspend_global_capture()
    try:
        return os.dup(1)
    finally:
        capture.resume_global_capture()


def pytest_configure(config: pytest.Config) -> None:
    if EVERY > 0 and not hasattr(config, "workerinput"):  # the controller (or a run without workers) reports
        config.pluginmanager.register(SlowTests(config), "dbshift-slow-tests")
