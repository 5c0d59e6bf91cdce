"""The parts of a long Telegram message already sent, kept in the database, so a
retry by any worker sends only the rest (see connectors.telegram.send)."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import delete

from desk.database import transaction
from desk.models import Setting


def _key(message_key: str) -> str:
    # The settings table's keys are short; the desk's message ids are not.
    return "telegram-parts:" + hashlib.sha256(message_key.encode()).hexdigest()[:48]


class DatabaseLedger:
    def sent(self, key: str) -> list[str]:
        with transaction() as session:
            row = session.get(Setting, _key(key))
            return list(json.loads(row.value)) if row is not None else []

    def record(self, key: str, ids: list[str]) -> None:
        with transaction() as session:
            row = session.get(Setting, _key(key))
            if row is None:
                session.add(Setting(key=_key(key), value=json.dumps(ids)))
            else:
                row.value = json.dumps(ids)

    def done(self, key: str) -> None:
        with transaction() as session:
            session.execute(delete(Setting).where(Setting.key == _key(key)))
