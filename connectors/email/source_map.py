"""Where each part of a parsed mail stands in its source bytes.

The stdlib re-serialises a part it hands back, which changes an attached
mail's bytes (folding, line ends, 8-bit text). Following the boundaries of the
source level by level, as the parser did, finds each part's body as it was
sent, so an attached mail is kept byte for byte.
"""

from __future__ import annotations

import re
from email.message import Message


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:  # a bad value means text/plain (RFC 2045)
        return "text/plain"


# What the stdlib's feedparser takes as a header line; the first other line ends the block.
_FEED_HEADER = re.compile(rb"From |[\x21-\x39\x3b-\x7e]*:|[ \t]")


def _after_headers(source: bytes) -> bytes:
    """What follows the header block of a part's bytes, split where the stdlib splits it."""
    pos = 0
    while pos < len(source):
        end = source.find(b"\n", pos)
        end = len(source) if end < 0 else end + 1
        if not source[pos:end].strip(b"\r\n"):
            return source[end:]
        if not _FEED_HEADER.match(source, pos):  # a body with no blank line before it
            return source[pos:]
        pos = end
    return b""


def _sections(content: bytes, boundary: str) -> list[bytes]:
    """The parts of a multipart body, between its delimiter lines."""
    delimiter = re.compile(
        rb"^--" + re.escape(boundary.encode("utf-8", "surrogateescape")) + rb"(--)?[ \t]*\r?$",
        re.MULTILINE,
    )
    found = list(delimiter.finditer(content))
    sections: list[bytes] = []
    for this, following in zip(found, [*found[1:], None], strict=True):
        if this.group(1):  # the close delimiter: what follows is the epilogue
            break
        start = this.end() + 1
        if following is None:  # no close delimiter: the part runs to the end
            sections.append(content[start:])
            break
        section = content[start : following.start()]
        # The line break before a delimiter belongs to the delimiter (RFC 2046 5.1.1).
        sections.append(section.removesuffix(b"\n").removesuffix(b"\r"))
    return sections


def map_sources(part: Message, source: bytes, found: dict[int, bytes]) -> None:
    """Record the body bytes of `part` and of the parts inside it, by id."""
    content = _after_headers(source)
    found[id(part)] = content
    if not part.is_multipart() or _content_type(part).startswith("message/"):
        return
    children, boundary = part.get_payload(), part.get_boundary()
    if not boundary or not isinstance(children, list):
        return
    sections = _sections(content, boundary)
    if len(sections) != len(children):  # the source and the parse disagree: leave it
        return
    for child, section in zip(children, sections, strict=True):
        map_sources(child, section, found)
