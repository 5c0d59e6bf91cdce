"""What makes a mail itself, for Message-IDs that are not unique.

Broken mailers reuse Message-IDs (a web form that sends every submission with
the same one), so the id alone cannot tell a re-fetch from a new mail. The
fingerprint adds the headers a mailer writes anew for each mail. It leaves out
what changes on the way (Received, DKIM, the server's own headers), so the same
mail fetched twice, or delivered twice by two routes, has one fingerprint.

It is computed from header fields alone, so the IMAP fetcher can compare it
before downloading a body (`FINGERPRINT_FIELDS` is what it asks the server for).
"""

from __future__ import annotations

import hashlib
import re
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32

FINGERPRINT_FIELDS = ("message-id", "date", "from", "sender", "reply-to", "to", "cc", "subject")
_WANTED = frozenset(FINGERPRINT_FIELDS)
_SPACE = re.compile(rb"\s+")


def header_fingerprint(headers: Message) -> str:
    """A hex digest over the raw values of `FINGERPRINT_FIELDS`, unfolded.

    Reads `raw_items()`, which every policy leaves as the source had it, so a
    mail parsed whole and its header fields fetched alone give the same digest.
    """
    values: dict[str, list[str]] = {}
    for key, value in headers.raw_items():
        name = key.lower()
        if name in _WANTED:
            values.setdefault(name, []).append(str(value))
    lines = [
        name.encode() + b":" + _SPACE.sub(b" ", value.encode("utf-8", "surrogateescape")).strip()
        for name in FINGERPRINT_FIELDS
        for value in values.get(name, ())
    ]
    return hashlib.sha256(b"\n".join(lines) + b"\n" if lines else b"").hexdigest()


def fingerprint_of(header_block: bytes) -> str:
    """`header_fingerprint` of a mail's bytes (or of its header fields only)."""
    return header_fingerprint(BytesHeaderParser(policy=compat32).parsebytes(header_block))
