"""SLA due times: targets per channel and priority, counted in opening hours.

The business calendar counts only the minutes the desk is open: the weekday
opening hours in force (`desk.admin.schedule.opening_hours`: the admin's row,
else the config file), in the configured time zone, closed on Norwegian
public holidays. Opening hours are wall-clock times; each day's are turned
into UTC instants on their own, so a day of 23 or 25 hours counts right.

`Inquiry.due_at` is the one deadline the desk works toward now:

- the first-response target until the first answer has been sent or queued
  (or the resolution target, when the channel has no first-response target);
- then the resolution target;
- None when no target applies, or the inquiry is resolved, closed or spam.

Both clocks run from when the inquiry came in or, if it was reopened, from
when it was last reopened. Time spent waiting on the citizen is not counted
against the desk: `desk.status` keeps the opening-hours time of each pause on
the inquiry (`paused_seconds`, since the clock last started), and the due
time is the target plus that time. While the inquiry waits its due time
stands still and the queue shows it as paused; on the citizen's reply the
pause is added and the due time moves on by it.

`refresh_due` is the one place `Inquiry.due_at` is set on an existing inquiry.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

import holidays
from sqlalchemy import func, select

from desk.admin.schedule import Targets, schedule_in_force, sla_target
from desk.config import current_config
from desk.extensions import db
from desk.models import DEFAULT_PRIORITY, Event, EventKind, Inquiry

# Minutes after local midnight: (opening, closing); None is closed all day.
DayHours = tuple[int, int] | None


@cache
def _norwegian_holidays(year: int) -> frozenset[date]:
    # Sundays are closed by the opening hours, not here: with include_sundays the
    # package would list every Sunday as a holiday (they are, in Norwegian law).
    return frozenset(holidays.Norway(years=year, include_sundays=False))


def is_public_holiday(day: date) -> bool:
    return day in _norwegian_holidays(day.year)


def parse_hours(hours: str) -> DayHours:
    """"08:00-15:30" -> (480, 930); "" (closed) -> None. The config's format."""
    if not hours:
        return None
    opens, closes = (int(h) * 60 + int(m) for h, m in (t.split(":") for t in hours.split("-")))
    return opens, closes


@dataclass(frozen=True)
class BusinessCalendar:
    """When the desk is open: weekly hours in local time, closed on public holidays."""

    zone: ZoneInfo
    week: tuple[DayHours, ...]  # Monday first, as datetime.weekday()

    def opening(self, day: date) -> tuple[datetime, datetime] | None:
        """The day's opening hours as UTC instants, or None when closed."""
        hours = self.week[day.weekday()]
        if hours is None or is_public_holiday(day):
            return None
        # Aware arithmetic with one zone adds wall-clock time; the UTC offset of each
        # end is then its own, so "08:00" stays 08:00 across a DST change.
        midnight = datetime(day.year, day.month, day.day, tzinfo=self.zone)
        opens, closes = (midnight + timedelta(minutes=m) for m in hours)
        return opens.astimezone(UTC), closes.astimezone(UTC)

    def add(self, start: datetime, minutes: int) -> datetime | None:
        """`start` plus `minutes` of opening hours, aware UTC; None if the desk never opens.

        Zero minutes is the first open moment at or after `start`. A start at the
        end of the calendar (an e-mail dated year 9999) has no due time either.
        """
        return self.add_time(start, timedelta(minutes=minutes))

    def add_time(self, start: datetime, left: timedelta) -> datetime | None:
        """`add` to the second: a target plus the seconds paused."""
        if start.tzinfo is None:
            raise ValueError("naive start time")
        if not any(self.week):
            return None
        try:
            day = start.astimezone(self.zone).date()
            while True:
                hours = self.opening(day)
                if hours is not None and start < hours[1]:
                    begin = max(start, hours[0])
                    if begin + left <= hours[1]:
                        return begin + left
                    left -= hours[1] - begin
                day += timedelta(days=1)
        except OverflowError:
            return None


    def between(self, start: datetime, end: datetime) -> timedelta:
        """The opening hours from `start` to `end` (aware); zero when `end` is not later."""
        total = timedelta()
        if end <= start:
            return total
        day = start.astimezone(self.zone).date()
        last = end.astimezone(self.zone).date()
        while day <= last:
            hours = self.opening(day)
            if hours is not None:
                begin, finish = max(start, hours[0]), min(end, hours[1])
                if finish > begin:
                    total += finish - begin
            day += timedelta(days=1)
        return total


def current_calendar() -> BusinessCalendar:
    """The calendar in force: the opening hours set now, in the desk's time zone."""
    return _calendar(current_config().timezone, schedule_in_force().week)


@lru_cache(maxsize=32)
def _calendar(zone: str, week: tuple[str, ...]) -> BusinessCalendar:
    # One per distinct week: the hours change a few times a year.
    return BusinessCalendar(zone=ZoneInfo(zone), week=tuple(parse_hours(h) for h in week))


def due_at(start: datetime, minutes: int | None, calendar: BusinessCalendar | None = None,
           paused: timedelta = timedelta()) -> datetime | None:
    """`start` (aware) plus `minutes` and `paused` of opening hours; None for no target."""
    if minutes is None:
        return None
    return (calendar or current_calendar()).add_time(start, timedelta(minutes=minutes) + paused)


def paused_time(since: datetime, until: datetime) -> timedelta:
    """The opening hours a pause from `since` to `until` took off the desk's clock."""
    return current_calendar().between(since, until)


def minutes_for(targets: Targets, answered: bool) -> int | None:
    """The target the desk works toward: first response until answered, then resolution."""
    if answered:
        return targets.resolution
    return targets.first_response or targets.resolution


def due_for(inquiry: Inquiry, targets: Targets | None, since: datetime,
            calendar: BusinessCalendar | None = None) -> datetime | None:
    """The rule of the module's doc, given the targets of the inquiry's channel and priority."""
    if not inquiry.is_open or inquiry.spam or targets is None:
        return None
    answered = inquiry.first_response_at is not None
    paused = timedelta(seconds=inquiry.paused_seconds or 0)  # None before the first flush
    return due_at(since, minutes_for(targets, answered), calendar, paused)


def deadline(inquiry: Inquiry, reopened_at: datetime | None = None) -> datetime | None:
    """The due time `inquiry` should have now, read from the database.

    `refresh_due` sets `inquiry.due_at` from this whenever something it depends
    on changes: the first answer, the priority, the status, a pause. A service
    that reopens the inquiry passes the time, which its event may not hold yet.
    """
    if not inquiry.is_open or inquiry.spam or inquiry.channel_id is None:
        return None
    return due_for(inquiry, sla_target(inquiry.channel_id, inquiry.priority),
                   reopened_at or clock_start(inquiry))


def refresh_due(inquiry: Inquiry, reopened_at: datetime | None = None) -> None:
    """Set `inquiry.due_at` to `deadline()`: after anything it depends on changed."""
    inquiry.due_at = deadline(inquiry, reopened_at)


def first_deadline(channel_id: int, received: datetime) -> datetime | None:
    """The due time of an inquiry that has just come in: unanswered, default priority."""
    targets = sla_target(channel_id, DEFAULT_PRIORITY)
    return due_at(received, minutes_for(targets, answered=False)) if targets else None


def clock_start(inquiry: Inquiry) -> datetime:
    """When the inquiry came in or, if it was reopened since, when it last was."""
    reopened = db.session.scalar(select(func.max(Event.at)).where(
        Event.inquiry_id == inquiry.id, Event.kind == EventKind.REOPENED))
    return max(inquiry.created_at, reopened) if reopened else inquiry.created_at
