"""The receipt (kvittering): the automatic first answer with the reference.

Sent only for a new inquiry from a person (the loop guards said ACCEPT), on a
channel that sends receipts, and at most a configured number per contact per
hour, so two desks' auto-replies can never talk to each other for long.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from flask_babel import force_locale, format_datetime, gettext
from sqlalchemy import ScalarSelect, bindparam, func, select
from sqlalchemy.orm import Session, aliased

from desk.config import DeskConfig
from desk.models import Direction, Message


def receipts_since(contact_id: Any, since: Any) -> ScalarSelect[int]:
    """How many automatic messages went to the contact `contact_id` (a column or a
    value) since `since`: what the rate limit counts."""
    sent = aliased(Message)
    return select(func.count(sent.id)).where(
        sent.contact_id == contact_id,
        sent.direction == Direction.OUTBOUND,
        sent.automatic.is_(True),
        sent.created_at >= since,
    ).scalar_subquery()


# The rate limit counts the receipts of this long before now.
RATE_WINDOW = timedelta(hours=1)
# Built once, and run on the connection: ingest asks it when its first query could not.
_SENT_SINCE = select(receipts_since(bindparam("contact_id"), bindparam("since")))


def sent_last_hour(session: Session, contact_id: int, now: datetime) -> int:
    """Receipts sent to the contact in the hour before `now`."""
    return session.connection().scalar(_SENT_SINCE, {"contact_id": contact_id,
                                                     "since": now - RATE_WINDOW}) or 0


def receipt_allowed(sent_last_hour: int, config: DeskConfig) -> bool:
    return sent_last_hour < config.receipts.max_per_contact_per_hour


def receipt_text(
    reference: str, language: str, name: str, config: DeskConfig,
    due_at: datetime | None = None,
) -> tuple[str, str]:
    """Subject and body of the receipt for the inquiry `reference`, in its language,
    to the contact called `name` ("" when unknown). With `due_at` (the SLA
    calendar's answer time) it promises that; else the configured working days."""
    wording = _wording(language)
    greeting = wording.greeting % {"name": name} if name else wording.greeting_nameless
    if due_at is None:
        body = wording.body % {"reference": reference,
                               "days": config.receipts.answer_within_working_days}
    else:
        with force_locale(language):
            due = format_datetime(due_at, "long")
        body = wording.body_due % {"reference": reference, "due": due}
    more = wording.more % {"reference": reference}
    text = f"{greeting}\n\n{body}\n\n{more}\n\n{wording.regards}\n{config.organisation_name}\n"
    return wording.subject, text


@dataclass(frozen=True)
class _Wording:
    """The receipt's sentences in one language, their placeholders not yet filled."""

    subject: str
    greeting: str
    greeting_nameless: str
    body: str
    body_due: str
    more: str
    regards: str


@cache
def _wording(language: str) -> _Wording:
    # Translated once per language: looking the sentences up costs more than the
    # rest of a receipt, and they only change with the language.
    with force_locale(language):
        return _Wording(
            subject=gettext("We have received your inquiry"),
            greeting=gettext("Hello %(name)s,"),
            greeting_nameless=gettext("Hello,"),
            body=gettext(
                "Thank you for contacting us. Your inquiry has the reference %(reference)s. "
                "We normally answer within %(days)s working days."
            ),
            body_due=gettext(
                "Thank you for contacting us. Your inquiry has the reference %(reference)s. "
                "We will answer you by %(due)s."
            ),
            more=gettext(
                "If you want to add something, reply to this message and keep the reference "
                "%(reference)s. Please do not send national identity numbers or other "
                "sensitive information by e-mail or chat."
            ),
            regards=gettext("Kind regards"),
        )
