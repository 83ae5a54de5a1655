"""The ``dbshift`` process around :func:`dbshift.cli.main`: ``python -m dbshift`` and the console script.

One command is a short process that builds many objects and keeps most of them to the end (the models, a
whole schema read from the database).  Two costs of the interpreter's defaults are spared:

- the cyclic garbage collector, which by default re-scans every surviving object again and again as the
  heap grows (a third of ``check``'s CPU on a thousand tables), runs far less often: not at all while the
  models are imported, nor ever again over them (:func:`dbshift.project.models.kept_to_the_end`);
- tearing the heap down object by object at exit: once the command is done, its output flushed and the
  ``atexit`` handlers run (logging's flush, temporary files), the process ends at once.  If a thread the
  command started (a migration's, an app's) is still running, the interpreter ends as usual and waits for it.
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
import threading
from typing import NoReturn

#: collect the youngest objects after this many allocations (the default, 700, suits long-running programs)
YOUNG_THRESHOLD = 50_000


def run(quick_exit: bool = True) -> NoReturn:
    """Run the command line of ``sys.argv`` and end the process with its exit code.

    ``quick_exit=False`` ends with ``SystemExit`` instead, as a caller that goes on afterwards needs."""
    gc.set_threshold(YOUNG_THRESHOLD, *gc.get_threshold()[1:])
    from ..project import models
    from . import main

    models.KEPT_TO_THE_END = True

    code = main()
    if not quick_exit:
        raise SystemExit(code)
    end(code)


def end(code: int) -> NoReturn:
    """End the process with ``code``: ``atexit`` handlers run and the standard streams flushed, the heap left
    to the operating system.  Falls back to ``SystemExit`` while a thread that is not a daemon still runs."""
    if any(t is not threading.main_thread() and not t.daemon for t in threading.enumerate()):
        raise SystemExit(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader gone away (| head), a stream closed: nothing more to write
            pass
    os._exit(code)
