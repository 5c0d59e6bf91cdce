"""Who may do what to which inquiry: the one place for the role rules.

Every view and every query goes through here. `inquiry_scope` is the rule as
SQL, `can` is the same rule in Python for an inquiry already loaded, so a list
can never show what the detail page would refuse.
"""

from enum import StrEnum

from sqlalchemy import ColumnElement, Select, false, select, true

from desk.models import Inquiry, Role, User


class Action(StrEnum):
    VIEW = "view"
    REPLY = "reply"
    NOTE = "note"
    CLAIM = "claim"
    ASSIGN = "assign"
    ROUTE = "route"
    RETURN = "return"
    RESOLVE = "resolve"
    REOPEN = "reopen"
    EDIT = "edit"  # priority, category, language


class PermissionDenied(Exception):
    """The user may see the inquiry but not do this to it."""


class NotVisible(PermissionDenied):
    """The user may not know the inquiry exists (shown as 404)."""


_ALL = frozenset(Action)
ALLOWED: dict[Role, frozenset[Action]] = {
    Role.AGENT: _ALL,
    Role.UNIT_LEADER: _ALL - {Action.ROUTE},
    Role.UNIT_MEMBER: frozenset(
        {Action.VIEW, Action.REPLY, Action.NOTE, Action.CLAIM, Action.RESOLVE}
    ),
    Role.SUPERVISOR: frozenset({Action.VIEW}),
    Role.ADMIN: frozenset(),
}
# These roles see only inquiries that lie in one of their units.
UNIT_SCOPED = frozenset({Role.UNIT_LEADER, Role.UNIT_MEMBER})
# These roles work with inquiries at all (the queue pages).
CASE_ROLES = frozenset(role for role, actions in ALLOWED.items() if Action.VIEW in actions)


def inquiry_scope(user: User) -> ColumnElement[bool]:
    """The SQL condition for the inquiries `user` may see."""
    if Action.VIEW not in ALLOWED[user.role]:
        return false()
    if user.role in UNIT_SCOPED:
        unit_ids = user.unit_ids
        return Inquiry.unit_id.in_(unit_ids) if unit_ids else false()
    return true()


def visible_inquiries(user: User) -> Select[tuple[Inquiry]]:
    return select(Inquiry).where(inquiry_scope(user))


def sees(user: User, inquiry: Inquiry) -> bool:
    if Action.VIEW not in ALLOWED[user.role]:
        return False
    if user.role in UNIT_SCOPED:
        return inquiry.unit_id is not None and inquiry.unit_id in user.unit_ids
    return True


def can(user: User, action: Action, inquiry: Inquiry) -> bool:
    return user.active and sees(user, inquiry) and action in ALLOWED[user.role]


def require(user: User, action: Action, inquiry: Inquiry) -> None:
    """Raise NotVisible or PermissionDenied unless `user` may do `action`."""
    if not user.active or not sees(user, inquiry):
        raise NotVisible(f"inquiry {inquiry.id} is not visible to {user.username}")
    if action not in ALLOWED[user.role]:
        raise PermissionDenied(f"{user.role} may not {action} inquiries")
