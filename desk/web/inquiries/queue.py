"""The queue page, its live update, and search."""

from datetime import date
from typing import TypeVar

from flask import render_template, request
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from desk import queries
from desk.models import Priority, Status
from desk.web.inquiries import bp, case_roles

E = TypeVar("E", Status, Priority)


def parse_queue_query(args: MultiDict[str, str]) -> queries.QueueQuery:
    """The queue's view, filters and sort from URL arguments; nonsense is ignored."""
    view = args.get("view", "open")
    sort = args.get("sort")
    return queries.QueueQuery(
        view=view if view in queries.QUEUE_VIEWS else "open",
        sort=sort if sort in queries.SORTS else None,
        channel=_int(args.get("channel")),
        status=_enum(Status, args.get("status")),
        unit=args.get("unit") or None,
        assignee=args.get("assignee") or None,
        priority=_enum(Priority, args.get("priority")),
        category=_int(args.get("category")),
        language=args.get("language") or None,
        since=_date(args.get("since")),
        until=_date(args.get("until")),
    )


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _enum(enum: type[E], value: str | None) -> E | None:
    try:
        return enum(value) if value else None
    except ValueError:
        return None


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@bp.get("/")
@case_roles
def queue() -> str:
    query = parse_queue_query(request.args)
    page = queries.queue_page(current_user, query, request.args.get("after"))
    return render_template(
        "inquiries/queue.html", page=page, query=query, views=queries.QUEUE_VIEWS,
        sorts=queries.SORTS, live_since=queries.last_inquiry_id(page),
        paged=bool(request.args.get("after")), channels=queries.channels(),
        units=queries.active_units(), staff=queries.staff(current_user),
        categories=queries.categories(), statuses=list(Status), priorities=list(Priority),
        front_desk=queries.FRONT_DESK, nobody=queries.NOBODY,
    )


@bp.get("/queue/new.json")
@case_roles
def queue_news() -> dict[str, object]:
    """Rows newer than `since` (an inquiry id), rendered by the same template as the page."""
    query = parse_queue_query(request.args)
    since = _int(request.args.get("since")) or 0
    rows = queries.newer_than(current_user, query, since)
    return {
        "count": len(rows),
        "since": max([since, *(row.id for row in rows)]),
        "html": [render_template("inquiries/_row.html", inquiry=row) for row in rows],
    }


@bp.get("/search")
@case_roles
def search() -> str:
    text = request.args.get("q", "")
    return render_template("inquiries/search.html", text=text,
                           results=queries.search(current_user, text))
