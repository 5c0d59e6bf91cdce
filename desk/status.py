"""Every change of an inquiry's status goes through `change_status`.

It is the one place that sets `Inquiry.status` on an existing inquiry, and
with it what follows from the status, so metrics read from events are true:

- exactly one event whose kind means the change: new -> open is OPENED, to
  waiting SET_WAITING, waiting -> open RESUMED, to resolved RESOLVED, out of
  resolved or closed REOPENED, to closed CLOSED (or the caller's own kind for
  a close that is an action of its own: MERGED, MARKED_SPAM);
- `resolved_at`: set when resolved or closed, cleared when reopened;
- the SLA pause: waiting on the citizen stops the clock (`paused_at`); leaving
  waiting adds the pause's opening-hours time to `paused_seconds`, which
  `desk.sla` adds to the target. Reopening starts the clock afresh at zero;
- the due time, through `desk.sla.refresh_due`.
"""

from datetime import datetime

from sqlalchemy.orm import Session

from desk import events, sla
from desk.models import EventKind, Inquiry, Status, User

# A close that is an action of its own writes that action's event instead of CLOSED.
CLOSING_KINDS = (EventKind.CLOSED, EventKind.MERGED, EventKind.MARKED_SPAM)
DONE = (Status.RESOLVED, Status.CLOSED)


def change_status(
    session: Session,
    inquiry: Inquiry,
    to: Status,
    *,
    at: datetime,
    actor: User | None = None,
    reason: str | None = None,
    kind: EventKind | None = None,
    history: list[events.Row] | None = None,
    **data: object,
) -> bool:
    """Move `inquiry` to status `to` at `at` and write the event that means it.

    `kind` names the event of a close that is its own action (CLOSING_KINDS);
    that event is written even when the inquiry was closed already, since the
    action happened. Otherwise a move to the status it has is no change and
    writes nothing. `history` collects the event row for a caller that writes
    its events together (ingest); without it the event is written at once.
    Returns True when the status moved.
    """
    before = inquiry.status
    if to is Status.NEW:
        raise ValueError("an inquiry never goes back to new")
    if kind is not None and (to is not Status.CLOSED or kind not in CLOSING_KINDS):
        raise ValueError(f"{kind} is not an event of a move to {to}")
    moved = before is not to
    if not moved and kind is None:
        return False
    event_kind = kind or _kind_of(before, to)
    if moved:
        reopened = before in DONE and to not in DONE
        paused = _move(inquiry, before, to, at, reopened)
        if paused is not None:
            data["paused_seconds"] = paused
        if event_kind is EventKind.REOPENED and to is not Status.OPEN:
            data["status"] = to.value  # reopened straight into waiting
    row = events.row(inquiry, event_kind, actor, at, reason=reason, **data)
    if history is not None:
        history.append(row)
    else:
        events.record_all(session, [row])
    return moved


def open_new(session: Session, inquiry: Inquiry, *, at: datetime, actor: User | None = None,
             history: list[events.Row] | None = None) -> None:
    """Work on a new inquiry makes it open (claiming, assigning, routing, answering)."""
    if inquiry.status is Status.NEW:
        change_status(session, inquiry, Status.OPEN, at=at, actor=actor, history=history)


def _kind_of(before: Status, to: Status) -> EventKind:
    if before in DONE and to is not Status.RESOLVED and to is not Status.CLOSED:
        return EventKind.REOPENED  # to open, or straight to waiting (data: status)
    return {
        Status.OPEN: EventKind.RESUMED if before is Status.WAITING else EventKind.OPENED,
        Status.WAITING: EventKind.SET_WAITING,
        Status.RESOLVED: EventKind.RESOLVED,
        Status.CLOSED: EventKind.CLOSED,
    }[to]


def _move(inquiry: Inquiry, before: Status, to: Status, at: datetime,
          reopened: bool) -> int | None:
    """Set the status and what follows from it; the seconds of a pause it ended."""
    paused = None
    if before is Status.WAITING and inquiry.paused_at is not None:
        paused = round(sla.paused_time(inquiry.paused_at, at).total_seconds())
        inquiry.paused_seconds = (inquiry.paused_seconds or 0) + paused
        inquiry.paused_at = None
    if reopened:
        inquiry.paused_seconds = 0  # the clock starts afresh at `at`
    if to is Status.WAITING:
        inquiry.paused_at = at
    inquiry.status = to
    inquiry.resolved_at = at if to in DONE else None
    sla.refresh_due(inquiry, reopened_at=at if reopened else None)
    return paused
