"""Staff accounts as the administrator manages them. Hashes never leave this module."""

from sqlalchemy import select

from desk.admin.log import admin_change, record
from desk.admin.rows import get_or_fail
from desk.errors import N_, ServiceError
from desk.extensions import db
from desk.models import Role, User
from desk.passwords import hash_password
from desk.users import UNIT_ROLES, add_user, check_password_rule


def create_user(actor: User, username: str, display_name: str, email: str | None,
                role: Role, password: str, unit_slugs: tuple[str, ...] = ()) -> User:
    with admin_change(actor) as session:
        user = add_user(session, username, password, role, display_name, email or None,
                        unit_slugs)
        record(session, actor, "user.created", user, username=user.username, role=role.value)
    return user


def update_user(actor: User, user_id: int, display_name: str, email: str | None) -> None:
    with admin_change(actor) as session:
        user = get_or_fail(session, User, user_id)
        record(session, actor, "user.updated", user, display_name=display_name,
               email=email or "")
        user.display_name, user.email = display_name.strip() or user.username, email or None


def change_role(actor: User, user_id: int, role: Role) -> None:
    with admin_change(actor) as session:
        user = get_or_fail(session, User, user_id)
        if user.id == actor.id:
            raise ServiceError(N_("You cannot change your own role."))
        if role in UNIT_ROLES and not user.units:
            raise ServiceError(N_("A unit leader or member needs at least one unit."))
        record(session, actor, "user.role_changed", user, role=role.value, was=user.role.value)
        user.role = role


def set_user_active(actor: User, user_id: int, active: bool) -> None:
    """Deactivated users cannot sign in; their history keeps their name."""
    with admin_change(actor) as session:
        user = get_or_fail(session, User, user_id)
        if user.id == actor.id:
            raise ServiceError(N_("You cannot deactivate yourself."))
        user.active = active
        record(session, actor, "user.activated" if active else "user.deactivated", user)


def reset_password(actor: User, user_id: int, password: str) -> None:
    check_password_rule(password)
    with admin_change(actor) as session:
        user = get_or_fail(session, User, user_id)
        user.password_hash = hash_password(password)
        record(session, actor, "user.password_reset", user)


def all_users() -> list[User]:
    return list(db.session.scalars(
        select(User).order_by(User.active.desc(), User.display_name)))
