"""Typed models, one module per aggregate; import them from here."""

from desk.models.admin_log import AdminLogEntry
from desk.models.base import Base, utcnow
from desk.models.channel import Channel
from desk.models.channel_setup import ChannelSetup
from desk.models.chat import ChatAvailability, ChatLine, ChatSession
from desk.models.contact import Contact, ContactIdentity, IdentityKind
from desk.models.event import Event, EventKind
from desk.models.inquiry import (
    DEFAULT_PRIORITY,
    OPEN_STATUSES,
    Category,
    Inquiry,
    Priority,
    ReferenceCounter,
    Status,
    open_status_clause,
)
from desk.models.message import (
    Direction,
    ExternalIdTombstone,
    Message,
    MessageAttachment,
    MessageSource,
    SendState,
    Verdict,
)
from desk.models.outbox import OutboxItem, OutboxState
from desk.models.presence import Presence
from desk.models.quarantine import QuarantineItem, QuarantineState
from desk.models.runtime import Lease, Setting, WorkerHeartbeat
from desk.models.service_level import WEEKDAYS, OpeningHoursOverride, SlaTarget
from desk.models.standard_reply import REPLY_LANGUAGES, StandardReply
from desk.models.user import Role, Unit, User, unit_members

__all__ = [
    "DEFAULT_PRIORITY",
    "OPEN_STATUSES",
    "REPLY_LANGUAGES",
    "WEEKDAYS",
    "AdminLogEntry",
    "Base",
    "Category",
    "Channel",
    "ChannelSetup",
    "ChatAvailability",
    "ChatLine",
    "ChatSession",
    "Contact",
    "ContactIdentity",
    "Direction",
    "Event",
    "EventKind",
    "ExternalIdTombstone",
    "IdentityKind",
    "Inquiry",
    "Lease",
    "Message",
    "MessageAttachment",
    "MessageSource",
    "OpeningHoursOverride",
    "OutboxItem",
    "OutboxState",
    "Presence",
    "Priority",
    "QuarantineItem",
    "QuarantineState",
    "ReferenceCounter",
    "Role",
    "SendState",
    "Setting",
    "SlaTarget",
    "StandardReply",
    "Status",
    "Unit",
    "User",
    "Verdict",
    "WorkerHeartbeat",
    "open_status_clause",
    "unit_members",
    "utcnow",
]
