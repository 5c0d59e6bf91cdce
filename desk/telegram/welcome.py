"""The answer to /start: the channel's welcome in the citizen's language, with the
receipt when the /start opened the inquiry; one message, through the outbox.

Queued in its own transaction just after the /start is ingested. The welcome
names the message it answers (`in_reply_to`), so the same /start read again
after a crash in between is welcomed once.
"""

from __future__ import annotations

from flask_babel import force_locale, gettext
from sqlalchemy import exists, func, select, update

from connectors.base import InboundMessage
from desk import events
from desk.config import current_config
from desk.database import transaction
from desk.ingest import IngestResult
from desk.models import Channel, Contact, Direction, EventKind, Inquiry, Message, utcnow
from desk.outbox import queue_outbound
from desk.receipts import receipt_allowed, receipt_text, sent_last_hour
from desk.telegram.settings import TelegramSettings

_LANGUAGES = {"nb": "nb", "no": "nb", "nn": "nn"}


def citizen_language(language_code: str | None, default: str) -> str:
    """The desk's language for a Telegram app language: Norwegian (no, nb) is bokmål,
    nn nynorsk, any other known language English; none known: the desk's default."""
    base = (language_code or "").lower().replace("_", "-").split("-")[0]
    if not base:
        return default
    return _LANGUAGES.get(base, "en")


def welcome_text(settings: TelegramSettings, language: str) -> str:
    if language in settings.welcome:
        return settings.welcome[language]
    with force_locale(language):
        return gettext(
            "Welcome to %(organisation)s! Write your question here, and we answer you in this "
            "chat. Please do not send national identity numbers or other sensitive "
            "information.", organisation=current_config().organisation_name)


def answer_start(settings: TelegramSettings, channel_id: int, start: InboundMessage,
                 result: IngestResult, language_code: str | None) -> bool:
    """Queue the welcome for the /start message `start`; False when it was queued before."""
    config = current_config()
    now = utcnow()
    with transaction() as session:
        answered = session.scalar(select(exists().where(
            Message.channel_id == channel_id, Message.in_reply_to == start.external_id,
            Message.direction == Direction.OUTBOUND)))
        if answered:
            return False
        inquiry = session.get(Inquiry, result.inquiry_id)
        channel = session.get(Channel, channel_id)
        assert inquiry is not None and channel is not None
        language = citizen_language(language_code, config.default_locale)
        # The /start opened the inquiry (or a crash came before its welcome): "/start"
        # says nothing of the language; the app's language does.
        opened = session.scalar(select(func.min(Message.id)).where(
            Message.inquiry_id == inquiry.id)) == result.message_id
        if opened:
            inquiry.language = language
            contact = session.get(Contact, inquiry.contact_id)
            if contact is not None:
                contact.language = language
        text, subject = welcome_text(settings, language), ""
        receipt = opened and channel.receipts and receipt_allowed(
            sent_last_hour(session, inquiry.contact_id, now), config)
        if receipt:
            name = start.sender_name.split(" (@")[0]
            subject, body = receipt_text(inquiry.reference, language, name, config)
            text = f"{text}\n\n{body}"
        welcome_id = queue_outbound(session, inquiry, channel, start.sender_address, subject,
                                    text, automatic=True, now=now)
        session.execute(update(Message).where(Message.id == welcome_id)
                        .values(in_reply_to=start.external_id))
        if receipt:
            events.record(session, inquiry, EventKind.RECEIPT_QUEUED, at=now)
    return True
