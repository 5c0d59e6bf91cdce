"""The e-mail a unit gets when an inquiry is routed to it, through the outbox.

The notice is a Message with direction NOTIFICATION on the inquiry, sent
through the one door out like every other message: it is queued in the
routing transaction, retried and marked failed like a reply, but it is
never shown as an answer, never threads with the citizen's mail, and never
counts as a response. It carries a link and the reference, never a national
identity number or the citizen's name.
"""

import logging
from datetime import datetime

from flask_babel import force_locale, gettext
from sqlalchemy.orm import Session

from desk import events
from desk.channels import mail_channel
from desk.config import DeskConfig, current_config
from desk.models import Direction, EventKind, Inquiry, Unit, User
from desk.outbox import queue_outbound
from desk.privacy import mask_national_ids

log = logging.getLogger(__name__)


def queue_unit_notice(session: Session, inquiry: Inquiry, unit: Unit, actor: User,
                      comment: str, now: datetime) -> int | None:
    """Queue the notice to the unit's mailbox; the message's id, or None when the unit
    has no mailbox or no mail channel exists."""
    config = current_config()
    if not unit.email:
        return None
    channel = mail_channel(session, config)
    if channel is None:
        log.warning("no e-mail channel to notify unit %s of %s", unit.slug, inquiry.reference)
        return None
    subject, text = notice_text(inquiry, unit, actor, comment, config)
    message_id = queue_outbound(session, inquiry, channel, unit.email, subject, text,
                                author=actor, automatic=True, direction=Direction.NOTIFICATION,
                                now=now)
    events.record(session, inquiry, EventKind.UNIT_NOTIFIED, actor, at=now,
                  message_id=message_id, unit=unit.id)
    return message_id


def notice_text(inquiry: Inquiry, unit: Unit, actor: User, comment: str,
                config: DeskConfig) -> tuple[str, str]:
    """Subject and body, in the desk's default language (a unit mailbox has no other)."""
    # The inquiry page's path; built here because a worker or CLI has no request.
    link = f"{config.base_url.rstrip('/')}/inquiries/{inquiry.id}"
    with force_locale(config.default_locale):
        subject = gettext("Inquiry %(reference)s routed to %(unit)s",
                          reference=inquiry.reference, unit=unit.name)
        lines = [
            gettext("%(agent)s has routed an inquiry to %(unit)s.",
                    agent=actor.display_name, unit=unit.name),
            "",
            gettext("Reference: %(reference)s", reference=inquiry.reference),
            gettext("Subject: %(subject)s", subject=mask_national_ids(inquiry.subject)),
        ]
        if comment.strip():
            lines.append(gettext("Comment: %(comment)s",
                                 comment=mask_national_ids(comment.strip())))
        lines += ["", gettext("Open it in the desk: %(link)s", link=link)]
    return subject, "\n".join(lines)
