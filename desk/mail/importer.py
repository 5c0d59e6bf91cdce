"""Import mail from files (.eml files, folders of them, mbox files) through the
same parser, ingest and quarantine as mail fetched by IMAP.

Imported mail never gets a receipt: its senders wrote long ago.
"""

from __future__ import annotations

import mailbox
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from connectors.base import InboundMessage
from connectors.email import UnparseableMail
from desk.channels import channel_by_name
from desk.errors import N_, ServiceError
from desk.extensions import db
from desk.mail.parsing import parse_mail
from desk.quarantine import Taken, take_in


@dataclass(frozen=True)
class MailFile:
    """One message's bytes; `index` counts messages in an mbox from 1, None for a file."""

    path: Path
    index: int | None
    raw: bytes

    @property
    def source_id(self) -> str:
        return str(self.path) if self.index is None else f"{self.path}#{self.index}"


@dataclass(frozen=True)
class ImportRecord:
    source: MailFile
    message: InboundMessage | None
    taken: Taken

    def as_json(self) -> dict[str, Any]:
        msg, result = self.message, self.taken.result
        return {
            "file": str(self.source.path),
            "index": self.source.index,
            "result": self.taken.outcome,
            "reason": self.taken.reason,
            # Held (could not be read) or dropped (a guard declined it): kept here.
            "quarantine_id": self.taken.quarantine_id,
            "reference": result.reference if result else None,
            "subject": msg.subject if msg else None,
            "sender_address": msg.sender_address if msg else None,
            "text_length": len(msg.text) if msg else None,
            "attachments": [
                {"filename": a.filename, "size": a.size, "sha256": a.sha256}
                for a in (msg.attachments if msg else ())
            ],
        }


def mail_files(paths: Iterable[Path]) -> Iterator[MailFile]:
    """Every message under `paths`: folders are walked in name order, hidden files skipped."""
    for path in paths:
        if path.is_dir():
            children = sorted(p for p in path.rglob("*") if p.is_file())
            for child in children:
                if not any(part.startswith(".") for part in child.relative_to(path).parts):
                    yield from _messages(child)
        else:
            yield from _messages(path)


def _messages(path: Path) -> Iterator[MailFile]:
    raw = path.read_bytes()
    if not raw.startswith(b"From "):  # mbox files start with a "From " separator line
        yield MailFile(path, None, raw)
        return
    box = mailbox.mbox(path, create=False)
    try:
        for index, key in enumerate(box.iterkeys(), start=1):
            yield MailFile(path, index, box.get_bytes(key))
    finally:
        box.close()


def import_mail(paths: Iterable[Path], channel: str = "import") -> Iterator[ImportRecord]:
    """Take in every message under `paths` on `channel`, one transaction each."""
    row = channel_by_name(channel)
    if row.kind not in ("email", "import"):
        raise ServiceError(N_("Mail can only be imported into an e-mail channel."))
    channel_id = row.id
    db.session.rollback()
    for source in mail_files(paths):
        try:
            message, error = parse_mail(source.raw, channel), None
        except UnparseableMail as exc:
            message, error = None, exc.reason
        taken = take_in(message, channel_id=channel_id, raw=source.raw, error=error,
                        source_id=source.source_id, receipts=False)
        yield ImportRecord(source, message, taken)
