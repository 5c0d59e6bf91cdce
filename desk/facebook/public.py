"""The municipality's rule for answering in public: no case handling under a comment.

`check_public_reply` is the one place that decides whether a text may be posted
under a public comment. A public answer is short and generic: a standard reply
marked fit for public use, or free text the agent has explicitly confirmed. It
never carries a national identity number, the inquiry's reference together with
personal details, or text from the citizen's private messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.facebook.webhook import PayloadError, parse_event
from desk.errors import N_, ServiceError
from desk.facebook.take_in import COMMENTER
from desk.models import (
    ContactIdentity,
    Direction,
    Event,
    EventKind,
    Inquiry,
    Message,
    MessageSource,
    SendState,
    StandardReply,
)
from desk.privacy import find_national_ids
from desk.references import find_references

MAX_PUBLIC_CHARS = 500
# This many words in a row, the same as in a private message, is a quotation of it.
QUOTED_WORDS = 5
_WORD = re.compile(r"\w+", re.UNICODE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_PHONE = re.compile(r"(?<!\d)(\+?\d[\d ]{6,}\d)(?!\d)")


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def _shingles(words: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def private_texts(session: Session, inquiry: Inquiry, limit: int = 200) -> list[str]:
    """What the citizen wrote in private (Messenger, e-mail, chat), on any of their
    inquiries: the texts a public answer must not repeat."""
    if inquiry.contact_id is None:
        return []
    return list(session.scalars(
        select(Message.text)
        .where(Message.contact_id == inquiry.contact_id, Message.direction == Direction.INBOUND,
               Message.address.is_(None) | ~Message.address.startswith(COMMENTER))
        .order_by(Message.id.desc()).limit(limit)))


def _personal_details(session: Session, inquiry: Inquiry, text: str) -> bool:
    """The text names the citizen or an e-mail address, phone number or channel id."""
    if _EMAIL.search(text) or any(len(re.sub(r"\D", "", m)) >= 8 for m in _PHONE.findall(text)):
        return True
    words = set(_words(text))
    contact = inquiry.contact
    names = _words(contact.display_name) if contact is not None else []
    if any(len(name) > 1 and name in words for name in names):
        return True
    identities = session.scalars(select(ContactIdentity.value).where(
        ContactIdentity.contact_id == inquiry.contact_id)) if inquiry.contact_id else []
    lowered = text.lower()
    return any(value.removeprefix(COMMENTER).lower() in lowered for value in identities)


def check_public_reply(session: Session, inquiry: Inquiry, text: str, *,
                       standard: StandardReply | None, standard_text: str | None,
                       confirmed: bool) -> None:
    """Raise ServiceError saying why `text` may not be posted in public; None if it may.

    `standard_text` is the chosen standard reply filled in for this inquiry: the
    text counts as that standard reply only when it is unchanged.
    """
    text = text.strip()
    if not text:
        raise ServiceError(N_("The reply is empty."))
    if len(text) > MAX_PUBLIC_CHARS:
        raise ServiceError(N_("A public reply must be short: at most 500 characters. Move the "
                              "conversation to a private message instead."))
    if find_national_ids(text):
        raise ServiceError(N_("A public reply must never contain a national identity number."))
    if (inquiry.reference in text or find_references(text)) and _personal_details(
            session, inquiry, text):
        raise ServiceError(N_("A public reply must not name the case together with personal "
                              "details: remove the reference or the details."))
    quoted = _shingles(_words(text), QUOTED_WORDS)
    for private in private_texts(session, inquiry):
        words = _words(private)
        same = (quoted & _shingles(words, QUOTED_WORDS) if len(words) >= QUOTED_WORDS
                else (" ".join(words) in " ".join(_words(text)) and len(private.strip()) >= 20))
        if same:
            raise ServiceError(N_("A public reply must not repeat what the citizen wrote in "
                                  "a private message."))
    is_standard = (standard is not None and standard.public and standard.active
                   and standard_text is not None and standard_text.strip() == text)
    if standard is not None and not standard.public:
        raise ServiceError(N_("That standard reply is not marked as suitable for public use."))
    if not is_standard and not confirmed:
        raise ServiceError(N_("This is not an unchanged standard reply for public use: confirm "
                              "that the text is short, generic and says nothing about the case."))


@dataclass(frozen=True)
class PublicComment:
    """The comment a public inquiry is about, as its page shows it."""

    message_id: int
    comment_id: str
    post_id: str
    permalink: str
    text: str
    hidden: bool
    moved: bool  # a private reply was queued or sent (and did not fail)


def comment_of(session: Session, inquiry: Inquiry) -> PublicComment | None:
    """The latest comment of the inquiry, with the post it was written under."""
    message = session.scalar(
        select(Message).where(Message.inquiry_id == inquiry.id,
                              Message.direction == Direction.INBOUND,
                              Message.address.startswith(COMMENTER))
        .order_by(Message.created_at.desc(), Message.id.desc()).limit(1))
    if message is None or not message.external_id:
        return None
    raw = session.scalar(select(MessageSource.raw).where(MessageSource.message_id == message.id))
    post_id = permalink = ""
    if raw:
        try:
            event = parse_event(raw, "")
            post_id, permalink = event.post_id, event.permalink
        except PayloadError:
            pass
    comment_id = message.external_id
    hidden = comment_id in hidden_comments(session, inquiry)
    moved = session.scalar(select(Message.id).where(
        Message.inquiry_id == inquiry.id, Message.address == f"private:{comment_id}",
        Message.send_state != SendState.FAILED).limit(1)) is not None
    return PublicComment(message.id, comment_id, post_id, permalink, message.text, hidden, moved)


def hidden_comments(session: Session, inquiry: Inquiry) -> set[str]:
    """The comments of the inquiry an agent has hidden (their events say so)."""
    return {str(data.get("comment_id")) for data in session.scalars(select(Event.data).where(
        Event.inquiry_id == inquiry.id, Event.kind == EventKind.COMMENT_HIDDEN))}
