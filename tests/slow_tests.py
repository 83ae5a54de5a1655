"""Name the tests that run long while they run: a quiet progress line never hides a stalled test.

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
