"""The web chat's wire format: what the widget may send, checked without Flask or a database.

The widget speaks JSON over HTTP. Every value a citizen sends is checked here
for type and size before anything is stored; a `PayloadError` carries the
HTTP status the desk answers with (400 for a malformed payload, 413 for one
that is too large, 415 for a file type the chat does not take).
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

# A message, a name and a file name are shown as text; these bounds only keep them sane.
NAME_CHARS = 200
EMAIL_CHARS = 320
FILENAME_CHARS = 200
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LANGUAGES = ("nb", "nn", "en")


class PayloadError(ValueError):
    """The request cannot be taken: `status` is the HTTP answer, the text says why."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Limits:
    """How much one request may carry (the channel's settings)."""

    message_chars: int = 4000
    attachment_bytes: int = 10 * 1024 * 1024

    @property
    def body_bytes(self) -> int:
        """A JSON body: the message at four bytes a character, and room for the rest."""
        return self.message_chars * 4 + 4096


@dataclass(frozen=True)
class Start:
    name: str
    email: str | None
    language: str


@dataclass(frozen=True)
class Said:
    """One message from the citizen: `client_id` is the widget's UUID for it (the dedupe key)."""

    client_id: str
    text: str


def parse_json(body: bytes, limits: Limits) -> dict[str, Any]:
    """The request body as a JSON object."""
    if len(body) > limits.body_bytes:
        raise PayloadError("the request is too large", 413)
    try:
        data = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise PayloadError("the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise PayloadError("the body must be a JSON object")
    return data


def _text(data: dict[str, Any], key: str, limit: int, status: int = 400) -> str:
    value = data.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise PayloadError(f"'{key}' must be a string")
    value = value.strip()
    if len(value) > limit:
        raise PayloadError(f"'{key}' is longer than {limit} characters", status)
    return value


def parse_start(data: dict[str, Any]) -> Start:
    name = " ".join(_text(data, "name", NAME_CHARS).split())
    email = _text(data, "email", EMAIL_CHARS) or None
    if email is not None and not _EMAIL.match(email):
        raise PayloadError("'email' is not an e-mail address")
    language = _text(data, "language", 5) or "nb"
    return Start(name=name, email=email.lower() if email else None,
                 language=language if language in LANGUAGES else "nb")


def parse_said(data: dict[str, Any], limits: Limits) -> Said:
    client_id = _text(data, "id", 64)
    try:
        client_id = str(uuid.UUID(client_id))
    except ValueError:
        raise PayloadError("'id' must be a UUID the widget made for the message") from None
    text = _text(data, "text", limits.message_chars, status=413)
    if not text:
        raise PayloadError("'text' is empty")
    return Said(client_id=client_id, text=text)


def parse_after(value: str | None) -> int:
    """The stream cursor of a poll: the last line number the client has."""
    if value is None or value == "":
        return 0
    if not value.isdigit() or len(value) > 12:
        raise PayloadError("'after' must be a whole number")
    return int(value)


# The file types the chat takes, by their first bytes: the browser's word for the type
# is not trusted, since the agent opens the file.
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
)


def file_type(data: bytes) -> str:
    """The content type of an image or PDF, read from its bytes; 415 for anything else."""
    for magic, content_type in _MAGIC:
        if data.startswith(magic):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    raise PayloadError("only images (PNG, JPEG, GIF, WebP) and PDF files can be sent", 415)


def file_name(name: str | None) -> str:
    """A file name as the desk keeps it: no path, no control characters, bounded."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(c for c in base if c.isprintable()).strip()
    return base[:FILENAME_CHARS] or "file"
