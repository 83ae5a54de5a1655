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
from typing import Iterator

#: the interpreter's switch interval while a read runs side by side with other work
SWITCH_INTERVAL_S = 0.001


@contextlib.contextmanager
def switching_often() -> Iterator[None]:
    """The switch interval at :data:`SWITCH_INTERVAL_S` during the block (for the whole process), then as it was.

    Enter it in one thread only: the one whose block covers the others' reads.
    """
    before = sys.getswitchinterval()
    sys.setswitchinterval(min(before, SWITCH_INTERVAL_S))
    try:
        yield
    finally:
        sys.setswitchinterval(before)
