"""Citizens and the channel identities they write from."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from desk.models.base import Base, enum_column, utcnow


class IdentityKind(StrEnum):
    EMAIL = "email"
    TELEGRAM = "telegram"
    FACEBOOK = "facebook"
    WEBCHAT = "webchat"
    PHONE = "phone"


class Contact(Base):
    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    # The written form the citizen uses (nb, nn, en), when known.
    language: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when an agent merged this contact into another; kept for the audit trail.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))

    identities: Mapped[list["ContactIdentity"]] = relationship(
        back_populates="contact", order_by="ContactIdentity.id"
    )

    @property
    def label(self) -> str:
        if self.display_name:
            return self.display_name
        return self.identities[0].value if self.identities else f"#{self.id}"


class ContactIdentity(Base):
    """One address a contact is reached at; unique across contacts."""

    __tablename__ = "contact_identities"
    __table_args__ = (
        UniqueConstraint("kind", "value"),
        # Search looks addresses up by prefix, whatever their kind (desk.search).
        Index("ix_contact_identities_value", "value",
              postgresql_ops={"value": "text_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    kind: Mapped[IdentityKind] = mapped_column(enum_column(IdentityKind))
    value: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    contact: Mapped[Contact] = relationship(back_populates="identities")
