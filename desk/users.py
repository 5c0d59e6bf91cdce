"""Staff accounts: create them, check a login."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desk.database import transaction
from desk.errors import N_, ServiceError
from desk.extensions import db
from desk.models import Role, Unit, User
from desk.passwords import hash_password, needs_rehash, verify_password

# Verified against when the username is unknown, so a wrong name and a wrong
# password take the same time and a login form does not reveal who exists.
_DUMMY_HASH: dict[str, str] = {}


MIN_PASSWORD_LENGTH = 4
UNIT_ROLES = frozenset({Role.UNIT_LEADER, Role.UNIT_MEMBER})


def check_password_rule(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ServiceError(N_("A password needs at least 4 characters."))


def create_user(
    username: str,
    password: str,
    role: Role,
    display_name: str = "",
    email: str | None = None,
    unit_slugs: tuple[str, ...] = (),
) -> User:
    with transaction() as session:
        user = add_user(session, username, password, role, display_name, email, unit_slugs)
    return user


def add_user(
    session: Session,
    username: str,
    password: str,
    role: Role,
    display_name: str = "",
    email: str | None = None,
    unit_slugs: tuple[str, ...] = (),
) -> User:
    """Add a new user to `session` (the caller's transaction), checking the rules."""
    username = username.strip().lower()
    if not username:
        raise ServiceError(N_("A user needs a user name."))
    check_password_rule(password)
    if session.scalar(select(User.id).where(func.lower(User.username) == username)):
        raise ServiceError(N_("That user name is taken."))
    units = list(session.scalars(select(Unit).where(Unit.slug.in_(unit_slugs))))
    missing = set(unit_slugs) - {u.slug for u in units}
    if missing:
        raise ServiceError(f"No unit named {sorted(missing)[0]!r}.")
    if role in UNIT_ROLES and not units:
        raise ServiceError(N_("A unit leader or member needs at least one unit."))
    user = User(
        username=username,
        display_name=display_name or username,
        email=email,
        password_hash=hash_password(password),
        role=role,
        units=units,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(username: str, password: str) -> User | None:
    """The active user with that name and password, or None."""
    user = db.session.scalar(
        select(User).where(func.lower(User.username) == username.strip().lower())
    )
    if user is None:
        if "hash" not in _DUMMY_HASH:
            _DUMMY_HASH["hash"] = hash_password("not a password")
        verify_password(_DUMMY_HASH["hash"], password)
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        return None
    if needs_rehash(user.password_hash):
        with transaction():
            user.password_hash = hash_password(password)
    return user


def set_locale(user: User, locale: str) -> None:
    """Remember the user's language choice across devices."""
    from desk.i18n import LOCALES

    if locale not in LOCALES:
        raise ServiceError("Unknown language.")
    with transaction():
        user.locale = locale
