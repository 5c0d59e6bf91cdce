"""Units (enheter) and who belongs to them."""

import re
import unicodedata

from sqlalchemy import func, select

from desk.admin.log import admin_change, record
from desk.admin.rows import get_or_fail
from desk.errors import N_, ServiceError
from desk.models import OPEN_STATUSES, Inquiry, Unit, User
from desk.users import UNIT_ROLES

_NORWEGIAN = str.maketrans({"æ": "ae", "ø": "o", "å": "a"})


def slugify(name: str) -> str:
    """A stable ASCII key for a unit name: "Plan og bygg" -> "plan-og-bygg"."""
    text = unicodedata.normalize("NFKD", name.lower().translate(_NORWEGIAN))
    text = text.encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:60]


def create_unit(actor: User, name: str, email: str | None = None) -> Unit:
    name = name.strip()
    slug = slugify(name)
    if not slug:
        raise ServiceError(N_("A unit needs a name."))
    with admin_change(actor) as session:
        if session.scalar(select(Unit.id).where(Unit.slug == slug)):
            raise ServiceError(N_("A unit with that name exists already."))
        unit = Unit(slug=slug, name=name, email=email or None)
        session.add(unit)
        session.flush()
        record(session, actor, "unit.created", unit, name=name, email=email)
    return unit


def update_unit(actor: User, unit_id: int, name: str, email: str | None) -> None:
    """Rename the unit and set where routing notices go (its slug stays)."""
    if not name.strip():
        raise ServiceError(N_("A unit needs a name."))
    with admin_change(actor) as session:
        unit = get_or_fail(session, Unit, unit_id)
        record(session, actor, "unit.updated", unit, name=name.strip(), email=email or "",
               was_name=unit.name, was_email=unit.email or "")
        unit.name, unit.email = name.strip(), email or None


def set_unit_active(actor: User, unit_id: int, active: bool) -> None:
    """Deactivating takes the unit out of routing; its open inquiries must move first."""
    with admin_change(actor) as session:
        unit = get_or_fail(session, Unit, unit_id)
        if not active and session.scalar(select(func.count(Inquiry.id)).where(
                Inquiry.unit_id == unit.id, Inquiry.status.in_(OPEN_STATUSES))):
            raise ServiceError(N_("The unit still has open inquiries; route or resolve them "
                                  "first."))
        unit.active = active
        record(session, actor, "unit.activated" if active else "unit.deactivated", unit)


def add_member(actor: User, unit_id: int, user_id: int) -> None:
    with admin_change(actor) as session:
        unit = get_or_fail(session, Unit, unit_id)
        user = get_or_fail(session, User, user_id)
        if user not in unit.members:
            unit.members.append(user)
            record(session, actor, "unit.member_added", unit, user=user.username)


def remove_member(actor: User, unit_id: int, user_id: int) -> None:
    with admin_change(actor) as session:
        unit = get_or_fail(session, Unit, unit_id)
        user = get_or_fail(session, User, user_id)
        if user not in unit.members:
            return
        if user.role in UNIT_ROLES and len(user.units) == 1:
            raise ServiceError(N_("A unit leader or member needs at least one unit."))
        unit.members.remove(user)
        record(session, actor, "unit.member_removed", unit, user=user.username)


def all_units() -> list[Unit]:
    from desk.extensions import db

    return list(db.session.scalars(select(Unit).order_by(Unit.active.desc(), Unit.name)))
