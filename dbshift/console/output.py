"""Where a command writes, and whether someone can answer it.

Every line a command shows passes through :class:`Output`, which makes it one
line of plain text: control characters, line breaks and bidirectional
overrides in messages, revision names or identifiers are shown escaped
(``\\x1b``, ``\\n``, ``\\u202e``), so nothing read from a file or a database can
move the cursor, recolour the terminal or forge another line.  SQL scripts
(:meth:`Output.write`) go out as they are.

A reader that goes away (``dbshift history | head -1``) ends the output, not
the command: what is left to print is dropped, quietly, and the command
finishes (an upgrade is never cut short because nobody reads its progress).
"""

from __future__ import annotations

import os
import re
from typing import TextIO

#: compiled by the first line that holds one (compiling it costs most commands more than printing does)
_UNPRINTABLE = "[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
_NAMED = {"\n": "\\n", "\r": "\\r", "\x1b": "\\x1b"}


def printable(text: str) -> str:
    """``text`` with every control character (tab aside) escaped, as one line."""
    if text.isprintable():  # every character the pattern escapes is one Python does not count as printable
        return text
    return re.sub(_UNPRINTABLE, lambda m: _NAMED.get(m.group(), m.group().encode("unicode_escape").decode("ascii")), text)


class Output:
    """``out`` for results, ``err`` for problems and questions, ``stdin`` for answers.

    ``program`` is how messages name commands (``dbshift``, ``flask db``);
    ``error_prefix`` is the host's convention for an error line (argparse's
    ``error: ``, Click's ``Error: ``).
    """

    def __init__(
        self, out: TextIO, err: TextIO, stdin: TextIO | None = None, *, program: str = "dbshift",
        error_prefix: str = "error: ",
    ) -> None:
        self.out, self.err, self.stdin = out, err, stdin
        self.program, self.error_prefix = program, error_prefix
        self.closed: set[int] = set()  # ids of the streams whose reader went away
        self.named: set[str] = set()  # the databases already named to the person at the terminal

    @property
    def interactive(self) -> bool:
        """Someone at a terminal can answer questions."""
        return self.stdin is not None and isatty(self.stdin)

    @property
    def on_terminal(self) -> bool:
        """Someone watches ``err`` on a terminal: notes for a person (which database) go there."""
        return isatty(self.err)

    def note(self, key: str, text: str) -> None:
        """Tell a person at the terminal ``text`` once per ``key`` (on ``err``: results on ``out`` stay clean)."""
        if self.on_terminal and key not in self.named:
            self.named.add(key)
            self.warn(text)

    def line(self, text: str = "") -> None:
        self._send(self.out, printable(text) + "\n")

    def lines(self, lines: list[str]) -> None:
        for text in lines:
            self.line(text)

    def warn(self, text: str) -> None:
        self._send(self.err, printable(text) + "\n")

    def error(self, text: str) -> None:
        self._send(self.err, f"{self.error_prefix}{printable(text)}\n")

    def write(self, text: str) -> None:
        """Text as it is (SQL scripts, a terminal's progress ticker), no newline added."""
        self._send(self.out, text)

    def prompt(self, text: str, stream: TextIO | None = None) -> None:
        """A question, left open for the answer (on ``err`` unless ``stream`` says where)."""
        target = stream or self.err
        self._send(target, printable(text))
        self.flush(target)

    def flush(self, *streams: TextIO) -> None:
        """Push out what is buffered (every stream by default); a reader gone away is not an error."""
        for stream in streams or (self.out, self.err):
            if id(stream) not in self.closed:
                try:
                    stream.flush()
                except BrokenPipeError:
                    self._gone(stream)
                except (OSError, ValueError):
                    pass

    def _send(self, stream: TextIO, text: str) -> None:
        if id(stream) in self.closed:
            return
        try:
            stream.write(text)
        except BrokenPipeError:
            self._gone(stream)

    def _gone(self, stream: TextIO) -> None:
        """The reader of ``stream`` went away: drop the rest, and let nothing flush into the closed pipe at exit."""
        self.closed.add(id(stream))
        try:
            fd = stream.fileno()
        except (AttributeError, OSError, ValueError):
            return
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, fd)
        finally:
            os.close(devnull)


def isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
