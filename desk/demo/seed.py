"""Seed a realistic demo municipality: staff, units, and 90 days of inquiries.

The history is written in bulk (one transaction, executemany inserts) so the
first start takes seconds; it uses the same models, event kinds and reference
scheme as the live services, so dashboards and audit read it like real data.
"""

import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select

from desk import sla
from desk.admin.schedule import Targets, forget_schedule
from desk.channels import identity_kind
from desk.database import transaction
from desk.demo import data
from desk.errors import ServiceError
from desk.models import (
    Category,
    Channel,
    Contact,
    ContactIdentity,
    Direction,
    Event,
    EventKind,
    Inquiry,
    Message,
    Priority,
    ReferenceCounter,
    Role,
    SendState,
    Setting,
    SlaTarget,
    Status,
    Unit,
    User,
    utcnow,
)
from desk.passwords import hash_password

DEMO_KEY = "demo_seeded_at"
DEMO_PASSWORD = "demo"
_OSLO = ZoneInfo("Europe/Oslo")


def seed(inquiries: int = 3000, days: int = 90, rng_seed: int = 2026) -> bool:
    """Create the demo data once; False when it is there already.

    Refuses a database that holds anything but demo data, so `desk demo`
    pointed at a production database by mistake changes nothing.
    """
    with transaction() as session:
        if session.get(Setting, DEMO_KEY) is not None:
            return False
        if session.scalar(select(func.count(User.id))) or session.scalar(
            select(func.count(Inquiry.id))
        ):
            raise ServiceError(
                "This database already holds data that is not demo data; "
                "`desk demo` will not touch it. Point DESK_DATABASE_URL at an empty database."
            )
        session.add(Setting(key=DEMO_KEY, value=utcnow().isoformat()))
        units = _units(session)
        staff = _staff(session, units)
        for slug, name in data.CATEGORIES:
            session.add(Category(slug=slug, name=name))
        channels = {c.name: c for c in session.scalars(select(Channel))}
        _sla_targets(session, channels.values())
        _History(session, random.Random(rng_seed), units, staff, channels).write(inquiries, days)
    forget_schedule()  # the targets written above
    return True


def _units(session: Any) -> dict[str, Unit]:
    units = {}
    for slug, name, email in data.UNITS:
        units[slug] = Unit(slug=slug, name=name, email=email)
        session.add(units[slug])
    session.flush()
    return units


def _sla_targets(session: Any, channels: Any) -> None:
    for channel in channels:
        for priority, _share, first_response, resolution in data.PRIORITIES:
            session.add(SlaTarget(channel_id=channel.id, priority=Priority(priority),
                                  first_response_minutes=first_response,
                                  resolution_minutes=resolution))


def _staff(session: Any, units: dict[str, Unit]) -> dict[str, User]:
    password_hash = hash_password(DEMO_PASSWORD)
    staff = {}
    for username, name, role, unit_slugs in data.STAFF:
        user = User(username=username, display_name=name, password_hash=password_hash,
                    role=Role(role), email=f"{username}@kommune.example",
                    units=[units[s] for s in unit_slugs])
        session.add(user)
        staff[username] = user
    session.flush()
    return staff


@dataclass
class _Rows:
    messages: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)


class _History:
    def __init__(self, session: Any, rng: random.Random, units: dict[str, Unit],
                 staff: dict[str, User], channels: dict[str, Channel]) -> None:
        self.session = session
        self.rng = rng
        self.units = units
        self.staff = staff
        self.by_kind: dict[str, Channel] = {}
        for channel in sorted(channels.values(), key=lambda c: c.id):
            self.by_kind.setdefault(channel.kind, channel)
        self.now = utcnow()
        self.agents = [u for u in staff.values() if u.role is Role.AGENT]
        self.leaders = {u.units[0].slug: u for u in staff.values() if u.role is Role.UNIT_LEADER}
        self.contacts: list[Contact] = []
        self.identities: dict[tuple[int, str], str] = {}

    def write(self, count: int, days: int) -> None:
        self._make_contacts(max(count // 2, 10))
        plans = sorted((self._plan(days) for _ in range(count)), key=lambda p: p["at"])
        counters: dict[int, int] = defaultdict(int)
        inquiries = []
        for plan in plans:
            year = plan["at"].astimezone(_OSLO).year
            counters[year] += 1
            inquiries.append(self._inquiry(plan, f"{year}-{counters[year]:06d}"))
        self.session.add_all(inquiries)
        self.session.flush()
        rows = _Rows()
        calendar = sla.current_calendar()
        targets = {Priority(p): Targets(first, resolution)
                   for p, _share, first, resolution in data.PRIORITIES}
        for plan, inquiry in zip(plans, inquiries, strict=True):
            self._story(plan, inquiry, rows)
            # The live services keep due_at; here the story is told at once.
            inquiry.due_at = sla.due_for(inquiry, targets[inquiry.priority], inquiry.created_at,
                                         calendar)
        self.session.execute(insert(Message), rows.messages)
        self.session.execute(insert(Event), rows.events)
        for year, last in counters.items():
            self.session.merge(ReferenceCounter(year=year, last=last))

    def _make_contacts(self, count: int) -> None:
        for _ in range(count):
            first = self.rng.choice(data.FIRST_NAMES)
            last = self.rng.choice(data.LAST_NAMES)
            self.contacts.append(Contact(display_name=f"{first} {last}",
                                         created_at=self.now - timedelta(days=120)))
        self.session.add_all(self.contacts)
        self.session.flush()

    def _address(self, contact: Contact, channel: Channel) -> str:
        kind = identity_kind(channel.kind)
        key = (contact.id, kind.value)
        if key not in self.identities:
            value = {
                "email": lambda: _email(contact.display_name, contact.id),
                "telegram": lambda: str(100000000 + contact.id * 7),
                "facebook": lambda: str(2400000000000000 + contact.id * 13),
                "webchat": lambda: f"chat-{uuid.UUID(int=self.rng.getrandbits(128))}",
                # Made from the id, as the others are: random numbers collided now and
                # then (the unique identity key), depending on the clock at seeding.
                # 7919 is prime to 10**7, so no two contacts share a number.
                "phone": lambda: f"+479{(contact.id * 7919 + 1234567) % 10**7:07d}",
            }[kind.value]()
            self.identities[key] = value
            self.session.add(ContactIdentity(contact_id=contact.id, kind=kind, value=value))
        return self.identities[key]

    def _plan(self, days: int) -> dict[str, Any]:
        rng = self.rng
        # The demo's mix of channels, over whichever of those kinds this desk has.
        kinds, weights = zip(*((kind, share) for _n, kind, _d, share in data.CHANNELS
                               if kind in self.by_kind), strict=True)
        channel = self.by_kind[rng.choices(kinds, weights)[0]]
        at = self._when(days, manual=channel.kind in ("phone", "walkin"))
        language = rng.choices(("nb", "nn", "en"), (88, 7, 5))[0]
        priorities, shares = zip(*((p, share) for p, share, *_ in data.PRIORITIES), strict=True)
        priority = Priority(rng.choices(priorities, shares)[0])
        unit_slug = None
        if language == "nn":
            subject, text = rng.choice(data.NYNORSK)
        elif language == "en":
            subject, text = rng.choice(data.ENGLISH)
        elif rng.random() < 0.35:
            subject, text = rng.choice(data.FRONT_DESK)
        else:
            unit_slug = rng.choice(list(data.TOPICS))
            subject, text = rng.choice(data.TOPICS[unit_slug])
        text = text.format(street=rng.choice(data.STREETS), number=rng.randrange(1, 80))
        sensitive = rng.random() < 0.02
        if sensitive:
            text += f" Fødselsnummeret mitt er {_national_id(rng)}."
        return {"channel": channel, "at": at, "language": language, "priority": priority,
                "unit": unit_slug,
                "subject": subject, "text": text, "sensitive": sensitive,
                "contact": rng.choice(self.contacts), "agent": rng.choice(self.agents)}

    def _when(self, days: int, manual: bool) -> datetime:
        while True:
            at = self.now - timedelta(seconds=self.rng.uniform(0, days * 86400))
            local = at.astimezone(_OSLO)
            in_hours = local.weekday() < 5 and 8 <= local.hour < 15
            if in_hours or (not manual and self.rng.random() < 0.25):
                return at

    def _inquiry(self, plan: dict[str, Any], reference: str) -> Inquiry:
        return Inquiry(
            reference=reference, subject=plan["subject"], status=Status.NEW,
            priority=plan["priority"], language=plan["language"], contact_id=plan["contact"].id,
            channel_id=plan["channel"].id, sensitive=plan["sensitive"],
            created_at=plan["at"], updated_at=plan["at"], last_message_at=plan["at"],
        )

    def _story(self, plan: dict[str, Any], inquiry: Inquiry, rows: _Rows) -> None:
        """What happened to the inquiry, told by messages and events in time order."""
        rng = self.rng
        channel: Channel = plan["channel"]
        manual = channel.kind in ("phone", "walkin")
        address = self._address(plan["contact"], channel)
        agent: User = plan["agent"]
        at: datetime = plan["at"]
        age = self.now - at

        def event(kind: EventKind, when: datetime, actor: User | None = None, **extra: Any) -> None:
            rows.events.append({"inquiry_id": inquiry.id, "kind": kind, "at": when,
                                "actor_id": actor.id if actor else None,
                                "unit_id": inquiry.unit_id, "channel": channel.name,
                                "data": extra})

        def message(direction: Direction, when: datetime, text: str, author: User | None = None,
                    automatic: bool = False) -> None:
            sent = direction is Direction.OUTBOUND
            rows.messages.append({
                "inquiry_id": inquiry.id, "direction": direction, "channel_id": channel.id,
                "external_id": None if manual else f"demo-{uuid.UUID(int=rng.getrandbits(128))}",
                "address": address, "contact_id": plan["contact"].id,
                "author_id": author.id if author else None,
                "sender_name": plan["contact"].display_name if not author else "",
                "subject": plan["subject"] if not sent else f"Re: {plan['subject']}",
                "text": text, "automatic": automatic, "created_at": when,
                "send_state": SendState.SENT if sent and not manual else None,
                "sent_at": when if sent else None,
                "verdict": "accept" if direction is Direction.INBOUND else None,
            })
            inquiry.last_message_at = max(inquiry.last_message_at, when)

        message(Direction.INBOUND, at, plan["text"], author=agent if manual else None)
        event(EventKind.CREATED, at, agent if manual else None)
        if channel.kind in ("email", "webchat"):
            message(Direction.OUTBOUND, at + timedelta(minutes=1),
                    "Vi har mottatt henvendelsen din.", automatic=True)
            event(EventKind.RECEIPT_QUEUED, at + timedelta(seconds=5))
        if age < timedelta(hours=rng.uniform(2, 30)):
            return  # still new in the queue
        t = at + timedelta(minutes=rng.uniform(1 if manual else 10, 240))
        # The story is told in bulk, not through desk.status; its events are the same.
        inquiry.status, inquiry.assignee_id = Status.OPEN, agent.id
        event(EventKind.OPENED, t, agent)
        event(EventKind.CLAIMED, t, agent, assignee=agent.id)
        recent = age < timedelta(days=4)
        if recent and not manual and rng.random() < 0.3:
            return  # taken, not yet answered: today's work
        slug = plan["unit"]
        if slug is None or (manual and rng.random() < 0.5):
            self._answer(inquiry, plan, agent, t + timedelta(minutes=rng.uniform(2, 90)),
                         message, event, resolve=age > timedelta(days=2) or manual)
            return
        unit = self.units[slug]
        t += timedelta(minutes=rng.uniform(2, 60))
        inquiry.unit_id, inquiry.assignee_id = unit.id, None
        comment = "Gjelder din enhet, kan dere svare innbyggeren?"
        rows.messages.append({"inquiry_id": inquiry.id, "direction": Direction.NOTE,
                              "author_id": agent.id, "text": comment, "created_at": t,
                              "subject": "", "sender_name": "", "automatic": False})
        event(EventKind.ROUTED, t, agent, to_unit=unit.id, comment=comment)
        leader = self.leaders[slug]
        t += timedelta(hours=rng.uniform(2, 72))
        if t > self.now or (recent and rng.random() < 0.5):
            return  # waiting in the unit's queue
        if rng.random() < 0.08:
            inquiry.unit_id = None
            event(EventKind.RETURNED, t, leader, from_unit=unit.id,
                  comment="Dette er ikke vår sak, sjekk med eiendomsforvaltning.")
            self._answer(inquiry, plan, agent, t + timedelta(hours=2), message, event,
                         resolve=True)
            return
        inquiry.assignee_id = leader.id
        event(EventKind.CLAIMED, t, leader, assignee=leader.id)
        self._answer(inquiry, plan, leader, t + timedelta(minutes=rng.uniform(10, 600)),
                     message, event, resolve=rng.random() < 0.9)

    def _answer(self, inquiry: Inquiry, plan: dict[str, Any], who: User, when: datetime,
                message: Any, event: Any, resolve: bool) -> None:
        if when > self.now:
            return
        lang = plan["language"]
        text = data.ANSWERS[lang].format(answer=self.rng.choice(data.ANSWER_LINES[lang]),
                                         agent=who.display_name)
        message(Direction.OUTBOUND, when, text, author=who)
        event(EventKind.REPLIED, when, who)
        event(EventKind.SENT, when + timedelta(seconds=20))
        inquiry.first_response_at = inquiry.first_response_at or when
        if resolve:
            inquiry.status, inquiry.resolved_at = Status.RESOLVED, when
            event(EventKind.RESOLVED, when, who)
        else:  # as desk.status.change_status would: the SLA clock paused from now
            inquiry.status, inquiry.paused_at = Status.WAITING, when
            event(EventKind.SET_WAITING, when, who)


def _email(name: str, contact_id: int) -> str:
    local = name.lower().replace(" ", ".")
    for a, b in (("æ", "ae"), ("ø", "o"), ("å", "aa")):
        local = local.replace(a, b)
    return f"{local}{contact_id}@example.no"


def _national_id(rng: random.Random) -> str:
    """A valid synthetic fødselsnummer (month + 80, as the national test register uses)."""
    from desk.privacy import is_national_id

    while True:
        digits = f"{rng.randrange(1, 29):02d}{rng.randrange(81, 93):02d}{rng.randrange(50, 99):02d}"
        digits += f"{rng.randrange(0, 1000):03d}"
        for k1 in range(10):
            for k2 in range(10):
                if is_national_id(digits + f"{k1}{k2}"):
                    return digits + f"{k1}{k2}"
