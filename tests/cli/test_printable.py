"""Every line dbshift prints goes through ``printable``: control characters (tab aside), line and paragraph
separators and bidirectional overrides are escaped, whatever the text, fast path or not."""

from __future__ import annotations

import re
import sys

from dbshift.console.output import _UNPRINTABLE, printable


def test_every_character_the_pattern_escapes_is_escaped_and_no_other():
    pattern = re.compile(_UNPRINTABLE)
    for code in [*range(0x3000), *range(0xFE00, 0x10000), *range(0x1F000, 0x1F700), 0xE0001, sys.maxunicode]:
        char = chr(code)
        if 0xD800 <= code <= 0xDFFF:
            continue
        escaped = printable(f"a{char}b") != f"a{char}b"
        assert escaped == bool(pattern.fullmatch(char)), hex(code)


def test_what_it_escapes_reads_as_written():
    assert printable("plain text, é ü 中") == "plain text, é ü 中"
    assert printable("a\tb") == "a\tb"
    assert printable("line\nnext\r") == "line\\nnext\\r"
    assert printable("\x1b[31mred") == "\\x1b[31mred"
    assert printable("\u202eevil") == "\\u202eevil"
