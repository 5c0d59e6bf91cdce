"""The agent's side of the web chat: the availability switch, the chats waiting
(polled by every agent page), and an inquiry's conversation, live, with a reply
that is sent at once through the outbox."""

from __future__ import annotations

import os
import socket
import uuid
from typing import Any

from flask import Blueprint, Flask, abort, current_app, jsonify, redirect, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from desk import workflow
from desk.access import Action, can
from desk.auth import roles_required
from desk.drivers import driver_for
from desk.errors import ServiceError
from desk.extensions import db
from desk.models import Channel, Inquiry, Message, Role, SendState, utcnow
from desk.outbox import new_message_id, send_now
from desk.web.inquiries import case_roles
from desk.web.inquiries.detail import visible_or_404
from desk.webchat import availability, stream

bp = Blueprint("chatdesk", __name__)
agents_only = roles_required(Role.AGENT)
# An agent's page asks for new lines this long at most per request.
POLL_SECONDS = 25.0


def is_live(channel: Channel | None) -> bool:
    """Whether inquiries of `channel` are live chats (its driver says)."""
    return channel is not None and driver_for(channel.kind).live


def chat_pages() -> list[str]:
    """The web chat channels the sign-in page links to (to the first): those with
    `show_on_login`, which the demo sets; a real desk's staff page shows no chat."""
    from desk.config import current_config
    from desk.drivers.webchat import WebchatDriver

    config = current_config()
    pages = []
    for c in config.channels:
        driver = driver_for(c.kind)
        if (c.enabled and isinstance(driver, WebchatDriver)
                and driver.settings(c, config).show_on_login):
            pages.append(c.name)
    return pages


def init_templates(app: Flask) -> None:
    app.jinja_env.globals.update(live_chat=is_live, chat_available=availability.is_available,
                                 chat_pages=chat_pages)


@bp.post("/chat-desk/availability")
@agents_only
def toggle() -> Response:
    """The switch (a form with its CSRF token, so it works without script too)."""
    availability.set_available(current_user, request.form.get("available") == "1")
    if request.accept_mimetypes.best == "application/json":
        return jsonify(available=availability.is_available(current_user))
    target = request.form.get("next") or ""
    return redirect(target if target.startswith("/") and not target.startswith("//")
                    else url_for("inquiries.queue"))


@bp.get("/chat-desk/waiting.json")
@agents_only
def waiting() -> dict[str, Any]:
    """Keeps the agent's availability fresh; the live chats nobody has taken yet."""
    now = utcnow()
    available = availability.keep_alive(current_user, now)
    return {
        "available": available,
        "chats": [{"id": w.inquiry_id, "reference": w.reference,
                   "name": w.name or gettext("A citizen"),
                   "waited_seconds": int((now - w.since).total_seconds()),
                   "url": url_for("inquiries.detail", inquiry_id=w.inquiry_id)}
                  for w in availability.waiting_chats()],
    }


@bp.get("/inquiries/<int:inquiry_id>/chat.json")
@case_roles
def conversation(inquiry_id: int) -> dict[str, Any]:
    """Long poll of the inquiry's conversation: lines after `after`, as soon as any come."""
    inquiry = visible_or_404(inquiry_id)
    if not is_live(inquiry.channel):
        abort(404)
    session_id = stream.session_of_inquiry(inquiry_id)
    if session_id is None:
        return {"lines": [], "after": 0}
    after = request.args.get("after", "0")
    wait = request.args.get("wait", str(int(POLL_SECONDS)))
    if not (after.isdigit() and wait.isdigit()):
        abort(400)
    longest = current_app.config.get("CHAT_POLL_SECONDS", POLL_SECONDS)  # tests shorten it
    lines, cursor = stream.wait_for_lines(session_id, int(after), min(float(wait), longest),
                                          inquiry_id=inquiry_id)
    # The message's id, so the page shows each message once (its thread may have it).
    return {"lines": [{**line.as_json(), "message_id": line.message_id} for line in lines],
            "after": cursor}


@bp.post("/inquiries/<int:inquiry_id>/chat/reply")
@case_roles
def reply(inquiry_id: int) -> tuple[Response, int]:
    """Answer in the chat: saved with its outbox row (`workflow.reply`), then sent at once
    by this process; if that fails the worker sends it, so it is neither lost nor doubled.

    `key` is the reply box's UUID, made by the page each time the box is cleared: Send
    pressed again after a network error sends the same key, and gets the first answer
    back (200, `duplicate`) instead of a second copy going out.
    """
    inquiry: Inquiry = visible_or_404(inquiry_id)
    if not (is_live(inquiry.channel) and can(current_user, Action.REPLY, inquiry)):
        abort(403)
    key = request.form.get("key") or None
    if key is not None:
        try:
            key = uuid.UUID(key).hex
        except ValueError:
            abort(400)
    earlier = _reply_of_key(inquiry, key)
    if earlier is None:
        try:
            message = workflow.reply(current_user, inquiry_id, request.form.get("text", ""),
                                     channel_id=inquiry.channel_id, key=key)
        except ServiceError as error:
            return jsonify(error=gettext(str(error))), 400
        except IntegrityError:  # the same key at the same moment, in another process
            earlier = _reply_of_key(inquiry, key)
            if earlier is None:
                raise
    worker = f"web:{socket.gethostname()}:{os.getpid()}"
    if earlier is not None:  # a retry: the first answer, sent now if it is still waiting
        sent = send_now(earlier.id, worker) or earlier.send_state is SendState.SENT
        return jsonify(message_id=earlier.id, sent=sent, duplicate=True), 200
    sent = send_now(message.id, worker)
    return jsonify(message_id=message.id, sent=sent, duplicate=False), 201


def _reply_of_key(inquiry: Inquiry, key: str | None) -> Message | None:
    """The answer already made with the reply box's `key` (see `workflow.reply`)."""
    if key is None:
        return None
    message = db.session.scalar(select(Message).where(
        Message.channel_id == inquiry.channel_id,
        Message.external_id == new_message_id(f"{inquiry.id}.{key}")))
    db.session.rollback()
    return message
