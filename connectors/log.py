"""The log channel: writes each outgoing message as one JSON line to a file.

It proves the outbox loop without a network, and lets a staging desk run
against real data without mailing citizens. A write error (full disk, missing
folder) is temporary; a message with no recipient is refused for good.
"""

import json
import uuid
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from connectors.base import OutboundMessage, PermanentFailure, TemporaryFailure


class LogSender:
    def __init__(self, path: str) -> None:
        self.path = Path(path)

    def send(self, message: OutboundMessage) -> str:
        if not message.recipient.strip():
            raise PermanentFailure("message has no recipient")
        external_id = message.message_id or f"log-{uuid.uuid4().hex}"
        record = asdict(message)
        record["attachments"] = [
            {"filename": a.filename, "content_type": a.content_type, "size": a.size}
            for a in message.attachments
        ]
        record["extra"] = dict(message.extra)
        record["external_id"] = external_id
        record["logged_at"] = datetime.now(UTC).isoformat()
        line = json.dumps(record, ensure_ascii=False) + "\n"
        try:
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(line)
        except OSError as exc:
            raise TemporaryFailure(f"cannot write {self.path}: {exc.strerror}") from exc
        return external_id
