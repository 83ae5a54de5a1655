"""Reading databases in threads of their own while this process does Python work (or reads another one).

A thread that waits on a server needs the interpreter's lock back when the answer
arrives, and a thread running Python lets go of it only every switch interval
(5 ms by default).  A read of some twenty round trips beside Python work then
ends up to a tenth of a second late: a command waits for it although the server
answered long before.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from typing import Iterator

#: the interpreter's switch interval while a read runs side by side with other work
SWITCH_INTERVAL_S = 0.001

_lock = threading.Lock()
_inside = 0  # blocks of :func:`switching_often` running now, in any thread
_before = 0.0  # the switch interval the first of them found


@contextlib.contextmanager
def switching_often() -> Iterator[None]:
    """The switch interval at :data:`SWITCH_INTERVAL_S` (or below) during the block, for the whole process; the one
    it was once the last of the blocks running at the same time in any thread ends."""
    global _inside, _before
    with _lock:
        if _inside == 0:
            _before = sys.getswitchinterval()
            sys.setswitchinterval(min(_before, SWITCH_INTERVAL_S))
        _inside += 1
    try:
        yield
    finally:
        with _lock:
            _inside -= 1
            if _inside == 0:
                sys.setswitchinterval(_before)
