"""Whether many texts are plain already, checked at C speed on their joined form.

Plain: printable ASCII without a leading, trailing or doubled space — text that
:func:`zones.text.normalize` returns unchanged. Checking 100k plot codes one by one costs
more than reading them; checking the codes joined by newlines is a few string scans.
"""

from __future__ import annotations

from collections.abc import Sequence

_PRINTABLE_OR_NEWLINE = bytes(range(0x20, 0x7F)) + b"\n"


def joined_if_plain(texts: Sequence[str]) -> str | None:
    """``texts`` joined by newlines if every one is plain, else None."""
    joined = "\n".join(texts)
    if joined.count("\n") != max(len(texts) - 1, 0) or not joined.isascii():
        return None  # a text holds a newline, or something beyond ASCII
    if joined.encode("ascii").translate(None, _PRINTABLE_OR_NEWLINE):
        return None  # a control character is left once the printable ones are deleted
    if ("  " in joined or "\n " in joined or " \n" in joined or joined.startswith(" ")
            or joined.endswith(" ")):
        return None
    return joined
