"""What an agent does with a public comment, each one service with its event.

- `public_reply`: a short, generic answer under the comment, through the outbox,
  after `desk.facebook.public.check_public_reply` has allowed the text;
- `move_to_private`: the one private reply Messenger allows to a comment,
  through the outbox, inviting the citizen to Messenger; once sent, the
  conversation that follows threads into this inquiry (`desk.facebook.link`);
- `hide_comment`: hide a comment that exposes personal data. Not a message to
  the citizen, so not the outbox: the agent must know at once that it is
  hidden. Graph's hide is idempotent, the event is written once per comment,
  and the Graph call is made outside any transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import force_locale, gettext
from sqlalchemy.orm import Session

from connectors.base import SendError
from connectors.facebook.graph import GraphError
from connectors.facebook.send import PRIVATE, PUBLIC
from desk import events, sla
from desk.access import Action
from desk.errors import N_, ServiceError
from desk.facebook.public import PublicComment, check_public_reply, comment_of
from desk.facebook.settings import settings_of
from desk.models import EventKind, Inquiry, Message, StandardReply, Status, User, utcnow
from desk.outbox import queue_outbound
from desk.standard_replies import fill
from desk.status import change_status
from desk.workflow import acting_on

# Messenger accepts a private reply within 7 days of the comment.
PRIVATE_REPLY_DAYS = 7


def _comment(session: Session, inquiry: Inquiry) -> PublicComment:
    comment = comment_of(session, inquiry) if inquiry.public else None
    if comment is None:
        raise ServiceError(N_("This inquiry is not a public comment."))
    return comment


def _answered(session: Session, inquiry: Inquiry, actor: User, now: datetime,
              then: Status) -> None:
    """An answer went out: the first response is counted, the status follows."""
    first = inquiry.first_response_at is None
    if first:
        inquiry.first_response_at = now
    moved = change_status(session, inquiry, then, at=now, actor=actor)
    if first and not moved:  # answered: from the first-response to the resolution target
        sla.refresh_due(inquiry)


def public_reply(actor: User, inquiry_id: int, text: str, *, standard_reply_id: int | None = None,
                 confirmed: bool = False, now: datetime | None = None) -> Message:
    """Answer under the comment in public, if the public-reply rule allows the text."""
    now = now or utcnow()
    with acting_on(actor, inquiry_id, Action.REPLY) as (session, inquiry):
        comment = _comment(session, inquiry)
        standard = session.get(StandardReply, standard_reply_id) if standard_reply_id else None
        standard_text = fill(standard, inquiry, actor) if standard else None
        if not text.strip() and standard_text:  # the standard reply as it is
            text = standard_text
        check_public_reply(session, inquiry, text, standard=standard,
                           standard_text=standard_text, confirmed=confirmed)
        channel = inquiry.channel
        assert channel is not None
        message_id = queue_outbound(session, inquiry, channel, PUBLIC + comment.comment_id,
                                    _subject(inquiry), text.strip(), author=actor, now=now)
        _answered(session, inquiry, actor, now, Status.OPEN if inquiry.status is Status.NEW
                  else inquiry.status)
        events.record(session, inquiry, EventKind.REPLIED, actor, at=now, message_id=message_id,
                      channel=channel.name, public=True)
        return session.get_one(Message, message_id)


def invitation(inquiry: Inquiry, configured: str | None) -> str:
    """The private reply's text: the channel's own, or the desk's in the citizen's language."""
    if configured:
        return configured.replace("{reference}", inquiry.reference)
    with force_locale(inquiry.language if inquiry.language in ("nb", "nn", "en") else "nb"):
        return gettext(
            "Hi, and thank you for your comment on our Facebook page. We do not handle "
            "cases in public, so we have answered you here instead. Write to us in this "
            "conversation and we will help you further. Your reference is %(reference)s.",
            reference=inquiry.reference)


def move_to_private(actor: User, inquiry_id: int, text: str | None = None,
                    now: datetime | None = None) -> Message:
    """Queue the private reply to the comment that invites the citizen to Messenger."""
    now = now or utcnow()
    with acting_on(actor, inquiry_id, Action.REPLY) as (session, inquiry):
        comment = _comment(session, inquiry)
        if comment.moved:
            raise ServiceError(N_("A private message was already sent for this comment; "
                                  "Messenger allows only one."))
        written = session.get_one(Message, comment.message_id).created_at
        if now - written > timedelta(days=PRIVATE_REPLY_DAYS):
            raise ServiceError(N_("Messenger allows a private reply only within 7 days of the "
                                  "comment. Answer publicly that the citizen may write to us."))
        channel = inquiry.channel
        assert channel is not None
        body = (text or "").strip() or invitation(
            inquiry, settings_of(channel.name).private_reply_text)
        message_id = queue_outbound(session, inquiry, channel, PRIVATE + comment.comment_id,
                                    _subject(inquiry), body, author=actor, now=now)
        _answered(session, inquiry, actor, now, Status.WAITING)
        events.record(session, inquiry, EventKind.MOVED_TO_PRIVATE, actor, at=now,
                      message_id=message_id, comment_id=comment.comment_id)
        return session.get_one(Message, message_id)


def hide_comment(actor: User, inquiry_id: int, reason: str,
                 now: datetime | None = None) -> bool:
    """Hide the inquiry's comment on the Page; False when it was hidden already."""
    if not reason.strip():
        raise ServiceError(N_("Say why the comment is hidden."))
    with acting_on(actor, inquiry_id, Action.REPLY) as (session, inquiry):
        comment = _comment(session, inquiry)
        channel = inquiry.channel
        assert channel is not None
        channel_name = channel.name
    if comment.hidden:
        return False
    client = settings_of(channel_name).client()
    try:
        client.hide_comment(comment.comment_id)
    except (GraphError, SendError) as exc:
        raise ServiceError(N_("Facebook did not hide the comment; try again, or hide it on "
                              "the Page itself.")) from exc
    finally:
        client.close()
    with acting_on(actor, inquiry_id, Action.REPLY) as (session, inquiry):
        if _comment(session, inquiry).hidden:  # another agent recorded it meanwhile
            return False
        events.record(session, inquiry, EventKind.COMMENT_HIDDEN, actor, at=now or utcnow(),
                      comment_id=comment.comment_id, comment=reason.strip()[:500])
    return True


def _subject(inquiry: Inquiry) -> str:
    subject = inquiry.subject.strip()
    return subject if subject.lower().startswith(("re:", "sv:")) else f"Re: {subject}"
