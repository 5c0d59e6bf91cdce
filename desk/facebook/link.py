"""After a private reply: the person's page-scoped id joined to the inquiry, so the
Messenger conversation that follows continues the same inquiry."""

from __future__ import annotations

import logging

from sqlalchemy import select

from connectors.base import OutboundMessage
from desk.database import transaction
from desk.models import ContactIdentity, IdentityKind, Inquiry

log = logging.getLogger(__name__)


def link_messenger(message: OutboundMessage, psid: str) -> None:
    """Make `psid` the inquiry's conversation and, where no one has it yet, an identity of
    its contact. Never raises: the private reply is out, and must not be sent again."""
    try:
        with transaction() as session:
            inquiry = session.scalar(select(Inquiry).where(
                Inquiry.reference == message.reference))
            if inquiry is None:
                return
            inquiry.conversation_key = psid
            owner = session.scalar(select(ContactIdentity.contact_id).where(
                ContactIdentity.kind == IdentityKind.FACEBOOK, ContactIdentity.value == psid))
            if owner is None and inquiry.contact_id is not None:
                session.add(ContactIdentity(contact_id=inquiry.contact_id,
                                            kind=IdentityKind.FACEBOOK, value=psid))
    except Exception:
        log.exception("private reply for %s sent, but %s could not be linked to it",
                      message.reference, psid)
