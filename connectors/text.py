"""Text as the desk stores it, whatever channel it came from.

One line for a subject, a name or a file name; body text with LF line ends.
No control characters but tab and LF (NUL is more than PostgreSQL stores,
and none is anything a person typed), and no lone surrogates (bytes a parser
could not decode), which no database can encode. Connectors clean what they
parse with these; the desk cleans every inbound message with them again
(`desk.normalise`), so a channel that forgets cannot store what one
database refuses and the other keeps.
"""

from __future__ import annotations

import re

_LINE_BREAKS = re.compile(r"[\t\n\x0b\x0c\r]+")
# C0 controls but tab and line feed, DEL and C1.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]+")
_SURROGATES = re.compile(r"[\ud800-\udfff]")


def clean_line(text: str) -> str:
    """`text` as one line: line breaks and tabs become spaces, other controls go."""
    text = _CONTROLS.sub("", _LINE_BREAKS.sub(" ", text)).strip()
    return _SURROGATES.sub("\ufffd", text)


def clean_text(text: str) -> str:
    """Body text with LF line ends and no other control characters than LF and tab."""
    text = _CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return _SURROGATES.sub("\ufffd", text)
