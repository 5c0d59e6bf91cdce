"""The content-addressed attachment store: files named by their sha256.

The same file sent twice is stored once; a write is atomic (temp file and
rename), so a crash never leaves half a file under a valid name. All web and
worker processes of a deployment must share this folder.

Files lie in 256 folders named by the hash's first two hex digits, as git
keeps its objects: a desk's ten years of some million files make a few
thousand a folder. (A second level of 65,536 folders cost a new desk two
mkdir calls per file for its first hundred thousand files, and a quarter of
a gigabyte of folder blocks; files stored under it are still read.)
"""

import hashlib
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

from flask import current_app
from sqlalchemy.orm import Session

from connectors.base import Attachment
from desk.database import insert_rows
from desk.models import MessageAttachment

_SHA256 = re.compile(r"[0-9a-f]{64}")


class AttachmentStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        if not _SHA256.fullmatch(sha256):
            raise ValueError(f"not a sha256: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes) -> str:
        sha256 = hashlib.sha256(data).hexdigest()
        target = self.path(sha256)
        if target.exists():
            return sha256
        try:
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        except FileNotFoundError:  # the first file of its folder: asking every time costs more
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return sha256

    def read(self, sha256: str) -> bytes:
        try:
            return self.path(sha256).read_bytes()
        except FileNotFoundError:
            # Stored under the earlier two-level layout.
            legacy = self.root / sha256[:2] / sha256[2:4] / sha256
            if not legacy.is_file():
                raise
            return legacy.read_bytes()


def store() -> AttachmentStore:
    """The app's store, made on first use: ingest asks for it for every message."""
    files = current_app.extensions.get("desk.attachments")
    if files is None:
        root = Path(current_app.extensions["desk.config"].attachments.path)
        if not root.is_absolute():
            root = Path(current_app.instance_path) / root
        files = current_app.extensions["desk.attachments"] = AttachmentStore(root)
    return files


def store_attachments(
    session: Session,
    message_id: int,
    attachments: Sequence[Attachment],
) -> None:
    """Put the files in the store and their rows on the message, in the caller's transaction.

    The bytes are written before the commit; if the transaction rolls back, an
    unreferenced file stays behind, harmless, since names are content hashes.
    """
    files = store()
    insert_rows(session, MessageAttachment, [
        {
            "message_id": message_id,
            "filename": (attachment.filename or "attachment")[:300],
            "content_type": attachment.content_type[:200],
            "size": attachment.size,
            "sha256": files.put(attachment.data),
            "content_id": attachment.content_id,
            "inline": attachment.inline,
        }
        for attachment in attachments
    ])
