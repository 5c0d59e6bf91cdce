"""The business-hours calendar behind SLA due times: opening hours, Norwegian public
holidays, Europe/Oslo wall-clock time across DST changes. Pure: no database."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from desk.sla import BusinessCalendar, due_at, is_public_holiday, parse_hours

OSLO = ZoneInfo("Europe/Oslo")
WEEKDAYS_8_TO_1530 = (*(parse_hours("08:00-15:30"),) * 5, None, None)
OFFICE = BusinessCalendar(OSLO, WEEKDAYS_8_TO_1530)
ALWAYS = BusinessCalendar(OSLO, (parse_hours("00:00-24:00"),) * 7)


def oslo(*args: int) -> datetime:
    return datetime(*args, tzinfo=OSLO)


@pytest.mark.parametrize(("start", "minutes", "due"), [
    # Inside one day's hours.
    (oslo(2026, 11, 23, 10, 0), 60, oslo(2026, 11, 23, 11, 0)),
    # Up to closing time exactly stays on the day.
    (oslo(2026, 11, 23, 15, 0), 30, oslo(2026, 11, 23, 15, 30)),
    # Evening: half an hour today, the rest from tomorrow's opening.
    (oslo(2026, 11, 23, 15, 0), 60, oslo(2026, 11, 24, 8, 30)),
    (oslo(2026, 11, 23, 18, 0), 30, oslo(2026, 11, 24, 8, 30)),
    # Before opening counts from opening.
    (oslo(2026, 11, 24, 6, 0), 30, oslo(2026, 11, 24, 8, 30)),
    # Weekend: Friday afternoon runs over to Monday.
    (oslo(2026, 11, 27, 15, 0), 60, oslo(2026, 11, 30, 8, 30)),
    (oslo(2026, 11, 28, 10, 0), 60, oslo(2026, 11, 30, 9, 0)),
    # Several days: 2 days of 7.5 hours from Monday 10:00 is Wednesday 10:00.
    (oslo(2026, 11, 23, 10, 0), 2 * 450, oslo(2026, 11, 25, 10, 0)),
    # Easter 2026: Maundy Thursday, Good Friday, the weekend and Easter Monday are closed.
    (oslo(2026, 4, 1, 15, 0), 60, oslo(2026, 4, 7, 8, 30)),
    # 17 May 2028 is a Wednesday.
    (oslo(2028, 5, 16, 15, 0), 60, oslo(2028, 5, 18, 8, 30)),
    # Christmas Eve is an ordinary weekday in law; Christmas Day and Boxing Day are not.
    (oslo(2026, 12, 23, 15, 0), 60, oslo(2026, 12, 24, 8, 30)),
    (oslo(2026, 12, 24, 15, 0), 60, oslo(2026, 12, 28, 8, 30)),
    # New Year's Day.
    (oslo(2026, 12, 31, 15, 0), 60, oslo(2027, 1, 4, 8, 30)),
    # Zero minutes: the first open moment at or after the start.
    (oslo(2026, 11, 23, 10, 0), 0, oslo(2026, 11, 23, 10, 0)),
    (oslo(2026, 11, 28, 10, 0), 0, oslo(2026, 11, 30, 8, 0)),
])
def test_office_hours(start: datetime, minutes: int, due: datetime) -> None:
    assert OFFICE.add(start.astimezone(UTC), minutes) == due
    assert due_at(start.astimezone(UTC), minutes, OFFICE) == due


@pytest.mark.parametrize(("start", "minutes", "due_utc"), [
    # Spring forward (29 March 2026, a Sunday): 08:30 on Monday is CEST, UTC+2.
    (oslo(2026, 3, 27, 15, 0), 60, datetime(2026, 3, 30, 6, 30, tzinfo=UTC)),
    # Fall back (25 October 2026): 08:30 on Monday is CET, UTC+1.
    (oslo(2026, 10, 23, 15, 0), 60, datetime(2026, 10, 26, 7, 30, tzinfo=UTC)),
])
def test_wall_clock_hours_across_a_dst_change(start: datetime, minutes: int,
                                              due_utc: datetime) -> None:
    due = OFFICE.add(start.astimezone(UTC), minutes)
    assert due == due_utc and due.utcoffset().total_seconds() == 0


@pytest.mark.parametrize(("start", "hours", "wall_clock"), [
    # Open all day: minutes are real minutes, so a day of 23 hours ends an hour
    # later on the clock, and a day of 25 hours an hour earlier.
    (oslo(2026, 3, 28, 12, 0), 24, oslo(2026, 3, 29, 13, 0)),
    (oslo(2026, 10, 24, 12, 0), 24, oslo(2026, 10, 25, 11, 0)),
])
def test_open_all_day_counts_real_minutes_across_dst(start: datetime, hours: int,
                                                     wall_clock: datetime) -> None:
    due = ALWAYS.add(start.astimezone(UTC), hours * 60)
    assert due == wall_clock
    assert due - start.astimezone(UTC) == timedelta(hours=hours)  # real time


def test_no_target_and_a_desk_that_never_opens() -> None:
    start = oslo(2026, 11, 23, 10, 0).astimezone(UTC)
    assert due_at(start, None, OFFICE) is None
    assert BusinessCalendar(OSLO, (None,) * 7).add(start, 60) is None


def test_a_start_at_the_end_of_the_calendar_has_no_due_time() -> None:
    # An e-mail's Date header can say anything; ingest must not fail on it.
    assert OFFICE.add(datetime(9999, 12, 31, 14, 0, tzinfo=UTC), 60) is None  # 15:00 Friday


def test_a_naive_start_is_refused() -> None:
    with pytest.raises(ValueError):
        OFFICE.add(datetime(2026, 11, 23, 10, 0), 60)


@pytest.mark.parametrize(("day", "holiday"), [
    (date(2026, 1, 1), True),
    (date(2026, 4, 2), True),  # Maundy Thursday
    (date(2026, 4, 6), True),  # Easter Monday
    (date(2026, 5, 1), True),
    (date(2026, 5, 14), True),  # Ascension Day
    (date(2026, 5, 17), True),  # Constitution Day, a Sunday that year
    (date(2026, 5, 25), True),  # Whit Monday
    (date(2026, 12, 25), True),
    (date(2026, 12, 26), True),
    (date(2026, 12, 24), False),  # Christmas Eve: a working day in law
    (date(2026, 11, 29), False),  # an ordinary Sunday: closed by the opening hours instead
    (date(2026, 11, 23), False),
])
def test_norwegian_public_holidays(day: date, holiday: bool) -> None:
    assert is_public_holiday(day) is holiday


@pytest.mark.parametrize(("hours", "parsed"), [
    ("08:00-15:30", (480, 930)),
    ("00:00-24:00", (0, 1440)),
    ("", None),
])
def test_parse_hours(hours: str, parsed: tuple[int, int] | None) -> None:
    assert parse_hours(hours) == parsed
