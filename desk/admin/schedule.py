"""Opening hours and SLA targets.

Which opening hours win: for each weekday, a row in `opening_hours` (set on
the admin page) wins; a weekday without a row uses the config file's
`[opening_hours]` value. "Use the default" on the page deletes the row.

The SLA clock reads both for every new inquiry, and an admin changes them a
few times a year, so each process keeps what it read (`schedule_in_force`)
for `SCHEDULE_SECONDS`. The process that makes a change reads afresh at once;
the other processes (the workers) follow within that time.
"""

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from desk.admin.log import admin_change, record
from desk.admin.rows import get_or_fail
from desk.config import DeskConfig, current_config
from desk.errors import N_, ServiceError
from desk.extensions import db
from desk.models import WEEKDAYS, Channel, OpeningHoursOverride, Priority, SlaTarget, User

_HOURS = re.compile(r"^(\d{1,2})(?::(\d\d))?-(\d{1,2})(?::(\d\d))?$")


@dataclass(frozen=True)
class DayHours:
    weekday: int
    hours: str  # "HH:MM-HH:MM" or "" for closed
    default: str  # the config file's value
    overridden: bool


def opening_hours(config: DeskConfig | None = None) -> list[DayHours]:
    """The opening hours in force, Monday first: the database's, else the config's."""
    config = config or current_config()
    rows = {r.weekday: r.hours for r in db.session.scalars(select(OpeningHoursOverride))}
    days = []
    for weekday, name in enumerate(WEEKDAYS):
        default = getattr(config.opening_hours, name)
        days.append(DayHours(weekday, rows.get(weekday, default), default, weekday in rows))
    return days


def check_hours(hours: str) -> str:
    """"8.00 - 16" -> "08:00-16:00" (the config's format); "" means closed."""
    hours = re.sub(r"\s+", "", hours).replace(".", ":")
    if not hours:
        return ""
    match = _HOURS.match(hours)
    if match:
        h1, m1, h2, m2 = (int(g or 0) for g in match.groups())
        if m1 < 60 and m2 < 60 and (h1, m1) < (h2, m2) <= (24, 0):
            return f"{h1:02d}:{m1:02d}-{h2:02d}:{m2:02d}"
    raise ServiceError(N_("Write opening hours as 08:00-15:30, or leave empty for closed."))


def set_opening_hours(actor: User, week: dict[int, str | None]) -> None:
    """Override weekdays (hours "" is closed) or give them back to the config (None)."""
    if not set(week) <= set(range(7)):
        raise ServiceError(N_("It no longer exists; reload the page."))
    week = {day: None if hours is None else check_hours(hours) for day, hours in week.items()}
    with admin_change(actor) as session:
        rows = {r.weekday: r for r in session.scalars(select(OpeningHoursOverride))}
        for weekday, hours in sorted(week.items()):
            row = rows.get(weekday)
            if hours is None:
                if row is not None:
                    session.delete(row)
            elif row is None:
                session.add(OpeningHoursOverride(weekday=weekday, hours=hours))
            else:
                row.hours = hours
        record(session, actor, "opening_hours.set", "opening_hours",
               **{WEEKDAYS[d]: "default" if h is None else h for d, h in week.items()})
    forget_schedule()


@dataclass(frozen=True)
class Targets:
    """Minutes of opening hours; None is no target."""

    first_response: int | None
    resolution: int | None


def set_sla_targets(actor: User, channel_id: int, targets: dict[Priority, Targets]) -> None:
    """Replace the channel's targets for the priorities given."""
    for target in targets.values():
        for minutes in (target.first_response, target.resolution):
            if minutes is not None and minutes <= 0:
                raise ServiceError(N_("A target is a positive number of minutes."))
        if (target.first_response and target.resolution
                and target.resolution < target.first_response):
            raise ServiceError(N_("The resolution target cannot be shorter than the first "
                                  "response target."))
    with admin_change(actor) as session:
        channel = get_or_fail(session, Channel, channel_id)
        rows = {r.priority: r for r in session.scalars(
            select(SlaTarget).where(SlaTarget.channel_id == channel.id))}
        for priority, target in targets.items():
            row = rows.get(priority)
            if target.first_response is None and target.resolution is None:
                if row is not None:
                    session.delete(row)
                continue
            if row is None:
                row = SlaTarget(channel_id=channel.id, priority=priority)
                session.add(row)
            row.first_response_minutes = target.first_response
            row.resolution_minutes = target.resolution
        record(session, actor, "sla.set", channel, **{
            p.value: [t.first_response, t.resolution] for p, t in targets.items()})
    forget_schedule()


def sla_target(channel_id: int, priority: Priority) -> Targets | None:
    """The targets in force for one channel and priority; None when none are set."""
    return schedule_in_force().targets.get((channel_id, priority))


def sla_targets() -> dict[tuple[int, Priority], Targets]:
    """Every target set, keyed by (channel id, priority)."""
    return {(r.channel_id, r.priority): Targets(r.first_response_minutes, r.resolution_minutes)
            for r in db.session.scalars(select(SlaTarget))}


SCHEDULE_SECONDS = 30.0


@dataclass(frozen=True)
class Schedule:
    """The opening hours and SLA targets in force, as one process last read them."""

    week: tuple[str, ...]  # Monday first: "HH:MM-HH:MM", or "" for closed
    targets: Mapping[tuple[int, Priority], Targets]
    read_at: float  # time.monotonic()


def schedule_in_force() -> Schedule:
    """The schedule, read again when this process's copy is `SCHEDULE_SECONDS` old."""
    schedule: Schedule | None = current_app.extensions.get("desk.schedule")
    if schedule is None or time.monotonic() - schedule.read_at > SCHEDULE_SECONDS:
        schedule = Schedule(week=tuple(day.hours for day in opening_hours()),
                            targets=sla_targets(), read_at=time.monotonic())
        current_app.extensions["desk.schedule"] = schedule
    return schedule


def forget_schedule() -> None:
    """Read the schedule afresh next time: call it after committing a change to it."""
    current_app.extensions.pop("desk.schedule", None)
