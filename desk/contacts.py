"""Finding or creating the contact behind a channel identity."""

from sqlalchemy.orm import Session

from desk.database import insert_row, insert_rows
from desk.models import Contact, ContactIdentity, IdentityKind


def normalise_address(kind: IdentityKind, value: str) -> str:
    value = value.strip()
    if kind is IdentityKind.EMAIL:
        return value.lower()
    if kind is IdentityKind.PHONE:
        digits = "".join(c for c in value if c.isdigit() or c == "+")
        return digits.removeprefix("0047").removeprefix("+47") if len(digits) > 8 else digits
    return value


def resolve_contact(
    session: Session, found: Contact | None, kind: IdentityKind, value: str, name: str = ""
) -> Contact:
    """The contact behind the normalised identity (kind, value), given `found`, the
    contact its identity row names (None when there is none: ingest looks it up
    in its first query). A merged contact hands over to the one it was merged into.

    Someone new gets a Contact that is not written yet (its id is None), with
    its identity: the caller writes it with `add_contact` once it knows all of
    it (the language of a first inquiry).
    """
    if not value:
        # A caller or visitor who left no number: a contact of their own, with no
        # identity, so anonymous inquiries are never lumped together.
        return Contact(display_name=name[:200])
    if found is None:
        contact = Contact(display_name=name[:200])
        contact.identities.append(ContactIdentity(kind=kind, value=value))
        return contact
    contact = found
    while contact.merged_into_id is not None:
        contact = session.get(Contact, contact.merged_into_id) or contact
        if contact.merged_into_id == contact.id:
            break
    if name and not contact.display_name:
        contact.display_name = name[:200]
    return contact


def add_contact(session: Session, contact: Contact) -> None:
    """Write a new contact from `resolve_contact` and its identity; sets `contact.id`.

    Through Core, not the unit of work, which costs several times the two
    INSERTs; the Contact object stays out of the session.
    """
    contact.id = insert_row(
        session, Contact, display_name=contact.display_name, language=contact.language
    )
    insert_rows(session, ContactIdentity, [
        {"contact_id": contact.id, "kind": identity.kind, "value": identity.value}
        for identity in contact.identities
    ])
