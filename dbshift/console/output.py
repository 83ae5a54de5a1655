"""Where a command writes, and whether someone can answer it."""

from __future__ import annotations

from typing import TextIO


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

    @property
    def interactive(self) -> bool:
        """Someone at a terminal can answer questions."""
        return self.stdin is not None and isatty(self.stdin)

    def line(self, text: str = "") -> None:
        print(text, file=self.out)

    def lines(self, lines: list[str]) -> None:
        for text in lines:
            self.line(text)

    def warn(self, text: str) -> None:
        print(text, file=self.err)

    def error(self, text: str) -> None:
        print(f"{self.error_prefix}{text}", file=self.err)

    def write(self, text: str) -> None:
        """Text as it is (SQL scripts), no newline added."""
        self.out.write(text)


def isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
