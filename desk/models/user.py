"""Staff users, their roles, and the units they belong to."""

from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from desk.models.base import Base, enum_column, utcnow


class Role(StrEnum):
    AGENT = "agent"
    UNIT_LEADER = "unit_leader"
    UNIT_MEMBER = "unit_member"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


unit_members = Table(
    "unit_members",
    Base.metadata,
    Column("unit_id", ForeignKey("units.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Unit(Base):
    """A responsible part of the organisation (byggesak, skole, ...)."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # Where routing notifications go (a shared unit mailbox), if anywhere.
    email: Mapped[str | None]
    active: Mapped[bool] = mapped_column(default=True)

    members: Mapped[list["User"]] = relationship(
        secondary=unit_members, back_populates="units", order_by="User.display_name"
    )


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None]
    password_hash: Mapped[str]
    role: Mapped[Role] = mapped_column(enum_column(Role))
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    units: Mapped[list[Unit]] = relationship(
        secondary=unit_members, back_populates="members", order_by=Unit.name
    )

    @property
    def is_active(self) -> bool:  # Flask-Login: inactive users cannot log in.
        return self.active

    @property
    def unit_ids(self) -> set[int]:
        return {unit.id for unit in self.units}

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"
