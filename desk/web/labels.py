"""Translated names for the enums the pages show, and the template helpers."""

from flask import Flask
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from desk.config import current_config
from desk.models import Direction, EventKind, Role, SendState, Status
from desk.privacy import mask_national_ids

ROLES = {
    Role.AGENT: _l("front desk agent"),
    Role.UNIT_LEADER: _l("unit leader"),
    Role.UNIT_MEMBER: _l("case officer"),
    Role.SUPERVISOR: _l("supervisor"),
    Role.ADMIN: _l("administrator"),
}
STATUSES = {
    Status.NEW: _l("New"),
    Status.OPEN: _l("Open"),
    Status.WAITING: _l("Waiting for the citizen"),
    Status.RESOLVED: _l("Resolved"),
    Status.CLOSED: _l("Closed"),
}
VIEWS = {
    "open": _l("All open"),
    "new": _l("New"),
    "mine": _l("Mine"),
    "waiting": _l("Waiting for the citizen"),
    "units": _l("Routed to units"),
    "all": _l("All"),
}
DIRECTIONS = {
    Direction.INBOUND: _l("From the citizen"),
    Direction.OUTBOUND: _l("Answer"),
    Direction.NOTE: _l("Internal note"),
}
SEND_STATES = {
    SendState.QUEUED: _l("queued"),
    SendState.SENT: _l("sent"),
    SendState.FAILED: _l("could not be delivered"),
}
EVENTS = {
    EventKind.CREATED: _l("Received"),
    EventKind.MESSAGE_RECEIVED: _l("New message from the citizen"),
    EventKind.RECEIPT_QUEUED: _l("Receipt queued"),
    EventKind.REPLIED: _l("Answered"),
    EventKind.NOTE_ADDED: _l("Note added"),
    EventKind.CLAIMED: _l("Taken"),
    EventKind.ASSIGNED: _l("Assigned"),
    EventKind.ROUTED: _l("Routed to a unit"),
    EventKind.RETURNED: _l("Sent back to the front desk"),
    EventKind.RESOLVED: _l("Resolved"),
    EventKind.REOPENED: _l("Reopened"),
    EventKind.STATUS_CHANGED: _l("Changed"),
    EventKind.SENT: _l("Message sent"),
    EventKind.SEND_FAILED: _l("Message could not be delivered"),
    EventKind.LINKED: _l("Linked to another inquiry"),
    EventKind.VIEWED: _l("Viewed"),
}


def init_app(app: Flask) -> None:
    app.jinja_env.filters["mask"] = mask_national_ids
    app.jinja_env.globals.update(
        role_label=ROLES.__getitem__,
        status_label=STATUSES.__getitem__,
        view_label=VIEWS.__getitem__,
        direction_label=DIRECTIONS.__getitem__,
        send_state_label=SEND_STATES.__getitem__,
        event_label=EVENTS.__getitem__,
        current_locale=lambda: str(get_locale() or current_config().default_locale),
    )

    @app.context_processor
    def _organisation() -> dict[str, str]:
        return {"organisation_name": current_config().organisation_name}
