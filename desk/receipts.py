"""The receipt (kvittering): the automatic first answer with the reference.

Sent only for a new inquiry from a person (the loop guards said ACCEPT), on a
channel that sends receipts, and at most a configured number per contact per
hour, so two desks' auto-replies can never talk to each other for long.
"""

from datetime import datetime, timedelta

from flask_babel import force_locale, gettext
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from desk.config import DeskConfig
from desk.models import Contact, Direction, Inquiry, Message

# Built once, and run on the connection: ingest asks for every new inquiry.
_SENT_SINCE = select(func.count(Message.id)).where(
    Message.contact_id == bindparam("contact_id"),
    Message.direction == Direction.OUTBOUND,
    Message.automatic.is_(True),
    Message.created_at >= bindparam("since"),
)


def receipt_allowed(
    session: Session, contact_id: int | None, config: DeskConfig, now: datetime
) -> bool:
    """`contact_id` is None for a contact new in this transaction."""
    if contact_id is None:  # nothing sent to them yet
        return config.receipts.max_per_contact_per_hour > 0
    sent_last_hour = session.connection().scalar(
        _SENT_SINCE, {"contact_id": contact_id, "since": now - timedelta(hours=1)}
    )
    return (sent_last_hour or 0) < config.receipts.max_per_contact_per_hour


def receipt_text(inquiry: Inquiry, contact: Contact, config: DeskConfig) -> tuple[str, str]:
    """Subject and body of the receipt, in the inquiry's language."""
    with force_locale(inquiry.language):
        subject = gettext("We have received your inquiry")
        greeting = (
            gettext("Hello %(name)s,", name=contact.display_name)
            if contact.display_name
            else gettext("Hello,")
        )
        body = gettext(
            "Thank you for contacting us. Your inquiry has the reference %(reference)s. "
            "We normally answer within %(days)s working days.",
            reference=inquiry.reference,
            days=config.receipts.answer_within_working_days,
        )
        more = gettext(
            "If you want to add something, reply to this message and keep the reference "
            "%(reference)s. Please do not send national identity numbers or other "
            "sensitive information by e-mail or chat.",
            reference=inquiry.reference,
        )
        regards = gettext("Kind regards")
    text = f"{greeting}\n\n{body}\n\n{more}\n\n{regards}\n{config.organisation_name}\n"
    return subject, text
