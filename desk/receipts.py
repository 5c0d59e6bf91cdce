"""The receipt (kvittering): the automatic first answer with the reference.

Sent only for a new inquiry from a person (the loop guards said ACCEPT), on a
channel that sends receipts, and at most a configured number per contact per
hour, so two desks' auto-replies can never talk to each other for long.
"""

from datetime import datetime, timedelta

from flask_babel import force_locale, gettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desk.config import DeskConfig
from desk.models import Contact, Direction, Inquiry, Message


def receipt_allowed(session: Session, contact: Contact, config: DeskConfig, now: datetime) -> bool:
    if contact.id is None:  # new in this transaction: nothing sent to them yet
        return config.receipts.max_per_contact_per_hour > 0
    sent_last_hour = session.scalar(
        select(func.count(Message.id)).where(
            Message.contact_id == contact.id,
            Message.direction == Direction.OUTBOUND,
            Message.automatic.is_(True),
            Message.created_at >= now - timedelta(hours=1),
        )
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
