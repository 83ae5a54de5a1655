"""The presentation layer shared by both front ends (``dbshift`` and ``flask db``).

The same outcome reads the same from either: :mod:`.words` turns results and
events into lines, :mod:`.progress` shows a run as it goes (text or JSON),
:mod:`.prompts` asks the questions, :mod:`.failures` turns any exception into
one line and an exit code, :mod:`.run_options` declares the run options both
command lines offer, and :mod:`.commands` holds the command bodies both call.
A front end only parses its own argv and names its program (``Output.program``).
"""
