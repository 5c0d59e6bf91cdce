"""Finding or creating the contact behind a channel identity."""

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from desk.models import Contact, ContactIdentity, IdentityKind

# Built once: ingest looks a sender up for every message.
_BY_IDENTITY = (
    select(Contact)
    .join(ContactIdentity, ContactIdentity.contact_id == Contact.id)
    .where(ContactIdentity.kind == bindparam("kind"), ContactIdentity.value == bindparam("value"))
)


def normalise_address(kind: IdentityKind, value: str) -> str:
    value = value.strip()
    if kind is IdentityKind.EMAIL:
        return value.lower()
    if kind is IdentityKind.PHONE:
        digits = "".join(c for c in value if c.isdigit() or c == "+")
        return digits.removeprefix("0047").removeprefix("+47") if len(digits) > 8 else digits
    return value


def resolve_contact(session: Session, kind: IdentityKind, address: str, name: str = "") -> Contact:
    """The contact that owns (kind, address), created on first contact.

    A merged contact hands over to the one it was merged into.
    """
    value = normalise_address(kind, address)
    if not value:
        # A caller or visitor who left no number: a contact of their own, with no
        # identity, so anonymous inquiries are never lumped together.
        anonymous = Contact(display_name=name[:200])
        session.add(anonymous)
        return anonymous
    contact = session.scalar(_BY_IDENTITY, {"kind": kind, "value": value})
    if contact is not None:
        while contact.merged_into_id is not None:
            contact = session.get(Contact, contact.merged_into_id) or contact
            if contact.merged_into_id == contact.id:
                break
        if name and not contact.display_name:
            contact.display_name = name[:200]
        return contact
    contact = Contact(display_name=name[:200])
    contact.identities.append(ContactIdentity(kind=kind, value=value))
    session.add(contact)
    return contact
