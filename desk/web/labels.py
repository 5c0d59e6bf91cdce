"""Translated names for the enums the pages show, and the template helpers."""

from datetime import datetime

from flask import Flask
from flask_babel import format_timedelta, get_locale, gettext
from flask_babel import lazy_gettext as _l

from desk.channels import answered_in_person
from desk.config import ConfigError, current_config
from desk.drivers import driver_for
from desk.models import Direction, Event, EventKind, Priority, Role, SendState, Status, utcnow
from desk.privacy import mask_national_ids
from desk.web.due import due_label

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
    "due": _l("Due today"),
    "all": _l("All"),
}
SORTS = {
    "newest": _l("Newest first"),
    "oldest": _l("Oldest first"),
    "activity": _l("Latest activity first"),
    "due": _l("Due soonest first"),
    "priority": _l("Urgent first"),
}
PRIORITIES = {
    Priority.LOW.value: _l("Low"),
    Priority.NORMAL.value: _l("Normal"),
    Priority.HIGH.value: _l("High"),
    Priority.URGENT.value: _l("Urgent"),
}
# The written forms a citizen may use; the inquiry's language picks standard replies.
LANGUAGES = {"nb": _l("Bokmål"), "nn": _l("Nynorsk"), "en": _l("English")}
# A symbol per channel kind, always shown beside the channel's name (never alone).
DIRECTIONS = {
    Direction.INBOUND: _l("From the citizen"),
    Direction.OUTBOUND: _l("Answer"),
    Direction.NOTE: _l("Internal note"),
    Direction.NOTIFICATION: _l("Notice to the unit"),
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
    EventKind.OPENED: _l("Opened"),
    EventKind.SET_WAITING: _l("Set to wait for the citizen"),
    EventKind.RESUMED: _l("No longer waiting for the citizen"),
    EventKind.CLOSED: _l("Closed"),
    EventKind.CLASSIFIED: _l("Priority, category or language set"),
    EventKind.SENT: _l("Message sent"),
    EventKind.SEND_FAILED: _l("Message could not be delivered"),
    EventKind.LINKED: _l("Linked to another inquiry"),
    EventKind.VIEWED: _l("Viewed"),
    EventKind.ACCEPTED: _l("Accepted by the unit"),
    EventKind.MERGED: _l("Merged into another inquiry"),
    EventKind.MERGED_IN: _l("Another inquiry was merged into this one"),
    EventKind.SPLIT: _l("A message was split off into a new inquiry"),
    EventKind.MARKED_SPAM: _l("Marked as spam"),
    EventKind.UNIT_NOTIFIED: _l("The unit was notified by e-mail"),
    EventKind.CHAT_ENDED: _l("The chat ended"),
    EventKind.TRANSCRIPT_QUEUED: _l("Chat transcript queued to the citizen's e-mail"),
    EventKind.MOVED_TO_PRIVATE: _l("Public comment moved to a private message"),
    EventKind.COMMENT_HIDDEN: _l("Public comment hidden"),
}


def event_label(event: Event) -> str:
    """What an event says in the inquiry's history.

    STATUS_CHANGED, written until 0013, meant a status change when its data
    names the status, else a classification: events are never rewritten, so
    the old ones are read by what they hold.
    """
    if event.kind is EventKind.STATUS_CHANGED:
        status = event.data.get("status")
        if status in STATUSES:
            return gettext("Status set to %(status)s", status=STATUSES[Status(status)])
        return str(EVENTS[EventKind.CLASSIFIED])
    return str(EVENTS[event.kind])


def age(since: datetime) -> str:
    """How long ago, in words of the page's language ("3 hours")."""
    return format_timedelta(utcnow() - since, threshold=1.1)


def channel_icon(kind: str) -> str:
    """The icon of a channel kind (or of an identity kind, which shares its name)."""
    try:
        return driver_for(kind).icon
    except ConfigError:
        return "•"


def init_app(app: Flask) -> None:
    app.jinja_env.filters["mask"] = mask_national_ids
    app.jinja_env.filters["age"] = age
    app.jinja_env.globals.update(
        role_label=ROLES.__getitem__,
        status_label=STATUSES.__getitem__,
        view_label=VIEWS.__getitem__,
        direction_label=DIRECTIONS.__getitem__,
        send_state_label=SEND_STATES.__getitem__,
        event_label=event_label,
        priority_label=PRIORITIES.__getitem__,
        sort_label=SORTS.__getitem__,
        language_label=lambda code: LANGUAGES.get(code, code),
        channel_icon=channel_icon,
        answered_in_person=answered_in_person,
        due_label=due_label,
        current_locale=lambda: str(get_locale() or current_config().default_locale),
    )

    @app.context_processor
    def _organisation() -> dict[str, str]:
        return {"organisation_name": current_config().organisation_name}
