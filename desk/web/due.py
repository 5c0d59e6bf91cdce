"""How an inquiry's SLA due time reads on a page: a word and a time, never colour alone.

The state picks the CSS class (`due-overdue`, `due-soon`, `due-later`,
`due-paused`); the word says the same thing to a screen reader or a reader
who does not see the colour.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from flask_babel import format_datetime, format_time, get_timezone, gettext
from flask_babel import lazy_gettext as _l

from desk.models import Inquiry, Status, utcnow

SOON = timedelta(hours=1)


class DueState(StrEnum):
    OVERDUE = "overdue"
    SOON = "soon"  # due within SOON
    LATER = "later"
    PAUSED = "paused"  # waiting on the citizen: the clock does not run


WORDS = {
    DueState.OVERDUE: _l("Overdue"),
    DueState.SOON: _l("Within an hour"),
    DueState.PAUSED: _l("Paused"),
}


@dataclass(frozen=True)
class DueLabel:
    state: DueState
    word: str  # "" when the time says it all (later)
    when: str  # "today 14:30", "tomorrow 09:00", "Friday 09:00", a date


def due_label(inquiry: Inquiry, now: datetime | None = None) -> DueLabel | None:
    """The due time of an open inquiry as words; None when it has none."""
    if inquiry.due_at is None or not inquiry.is_open:
        return None
    now = now or utcnow()
    if inquiry.status is Status.WAITING:
        # Not overdue while waiting on the citizen, whatever the time: the clock stands
        # still, and the citizen's reply moves the due time on by the pause (desk.status).
        state = DueState.PAUSED
    elif inquiry.due_at <= now:
        state = DueState.OVERDUE
    elif inquiry.due_at - now <= SOON:
        state = DueState.SOON
    else:
        state = DueState.LATER
    return DueLabel(state, str(WORDS.get(state, "")), when(inquiry.due_at, now))


def when(moment: datetime, now: datetime) -> str:
    """A time near `now` in words of the page's language and time zone."""
    zone = get_timezone()
    days = (moment.astimezone(zone).date() - now.astimezone(zone).date()).days
    clock = format_time(moment, "HH:mm")
    if days == 0:
        return gettext("today %(time)s", time=clock)
    if days == 1:
        return gettext("tomorrow %(time)s", time=clock)
    if days == -1:
        return gettext("yesterday %(time)s", time=clock)
    if 1 < days < 7:
        return format_datetime(moment, "EEEE HH:mm")
    return format_datetime(moment, "short")
