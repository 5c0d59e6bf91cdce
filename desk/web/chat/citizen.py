"""The citizen's side: the chat page, the embeddable widget, and its JSON API.

The API is called from the municipality's own site (CORS), so it cannot use
the desk's session cookie or its CSRF token. It is authenticated instead by
the chat session's bearer token in the Authorization header, which a
cross-site attacker cannot make a browser send, and every call's Origin must
be the desk itself or one of the channel's `allowed_origins` (403 otherwise).
That is why these views, and only these, are exempt from CSRF protection.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, render_template, request
from flask_babel import force_locale, gettext

from connectors.base import Attachment
from connectors.webchat import (
    LANGUAGES,
    PayloadError,
    file_name,
    file_type,
    parse_after,
    parse_json,
    parse_said,
    parse_start,
)
from desk.extensions import csrf
from desk.ingest import Outcome
from desk.webchat import availability, conversation, sessions, stream
from desk.webchat.ratelimit import Window
from desk.webchat.settings import ChatSettings

bp = Blueprint("chat", __name__)
WIDGET = Path(__file__).resolve().parent.parent / "static" / "chat-widget.js"
# The longest a poll waits for a line: a proxy's idle timeout (often 60 s) must be longer.
POLL_SECONDS = 25.0


def _settings(channel: str) -> ChatSettings:
    return sessions.settings_for(channel)


def _error(message: str, status: int) -> tuple[Response, int]:
    return jsonify(error=message), status


@bp.errorhandler(sessions.ChatRefused)
def _refused(error: sessions.ChatRefused) -> tuple[Response, int]:
    return _error(str(error), error.status)


@bp.errorhandler(PayloadError)
def _bad_payload(error: PayloadError) -> tuple[Response, int]:
    return _error(str(error), error.status)


@bp.errorhandler(413)
def _too_large(_error: Exception) -> tuple[Response, int]:
    return _error("the request is too large", 413)


def _same_origin() -> str:
    return request.host_url.rstrip("/").lower()


def _allowed_origin(settings: ChatSettings) -> str | None:
    """The request's Origin when it may call; None without one (no browser's cross-site
    call lacks it); 403 for any other."""
    origin = request.headers.get("Origin")
    if origin is None:
        return None
    if origin.lower() == _same_origin() or origin.lower() in settings.allowed_origins:
        return origin
    raise sessions.ChatRefused("this site may not use the chat", 403)


@bp.before_request
def _guard() -> tuple[Response, int] | Response | None:
    """Every API call: a known chat channel, an allowed Origin, the per-address limit."""
    if request.endpoint is None or not request.endpoint.startswith("chat.api_"):
        return None
    channel = (request.view_args or {}).get("channel", "")
    settings = _settings(channel)
    g.chat_origin = _allowed_origin(settings)
    if request.method == "OPTIONS":  # a CORS preflight: Flask answers it, `_cors` adds the rest
        return None
    windows: dict[str, Window] = current_app.extensions.setdefault("desk.chat.windows", {})
    window = windows.get(channel)
    if window is None:
        window = windows[channel] = Window(settings.requests_per_ip_per_minute)
    if not window.allow(request.remote_addr or ""):
        return _error("too many requests; wait a moment", 429)
    return None


@bp.after_request
def _cors(response: Response) -> Response:
    origin = g.get("chat_origin")
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
        response.headers["Access-Control-Max-Age"] = "600"
    response.vary.add("Origin")
    if request.endpoint and request.endpoint.startswith("chat.api_"):
        response.headers["Cache-Control"] = "no-store"
    return response


def _chat(settings: ChatSettings) -> sessions.ChatIdentity:
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else None
    return sessions.authenticate(settings, token)


def _language(value: str | None) -> str:
    """The widget's language from the host page's `lang`: nb, nn or en; bokmål otherwise."""
    value = (value or "").lower().split("-")[0]
    value = {"no": "nb", "nob": "nb", "nno": "nn", "eng": "en"}.get(value, value)
    return value if value in LANGUAGES else "nb"


def _body(settings: ChatSettings) -> dict[str, Any]:
    """The JSON body, refused by its declared length before it is read when too large."""
    if (request.content_length or 0) > settings.limits.body_bytes:
        raise PayloadError("the request is too large", 413)
    return parse_json(request.get_data(cache=False), settings.limits)


@bp.get("/chat/<channel>")
def page(channel: str) -> str:
    """The chat on a page of its own (same origin as the API)."""
    _settings(channel)
    return render_template("chat/page.html", channel=channel)


@bp.get("/chat/<channel>/widget.js")
def widget(channel: str) -> Response:
    """The script a municipality embeds; it finds the API from its own address."""
    _settings(channel)
    response = Response(_widget_script(), mimetype="text/javascript")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/chat/<channel>/api/status")
@csrf.exempt
def api_status(channel: str) -> dict[str, Any]:
    """Whether a chat can start now, and the widget's words in the page's language."""
    settings = _settings(channel)
    mode, reason = availability.mode(settings)
    language = _language(request.args.get("lang"))
    return {"mode": mode, "reason": reason, "language": language,
            "max_chars": settings.limits.message_chars,
            "max_file_bytes": settings.limits.attachment_bytes,
            "strings": widget_strings(language)}


@bp.post("/chat/<channel>/api/start")
@csrf.exempt
def api_start(channel: str) -> tuple[dict[str, Any], int]:
    settings = _settings(channel)
    wanted = parse_start(_body(settings))
    token, _chat_started = sessions.start(settings, wanted, request.remote_addr or "")
    mode, reason = availability.mode(settings)
    return {"token": token, "mode": mode, "reason": reason}, 201


@bp.post("/chat/<channel>/api/messages")
@csrf.exempt
def api_say(channel: str) -> tuple[dict[str, Any], int]:
    settings = _settings(channel)
    chat = _chat(settings)
    said = parse_said(_body(settings), settings.limits)
    written = conversation.say(settings, chat, said)
    return {"seq": written.seq, "reference": written.reference,
            "duplicate": written.outcome is Outcome.DUPLICATE}, 201


@bp.post("/chat/<channel>/api/files")
@csrf.exempt
def api_file(channel: str) -> tuple[dict[str, Any], int]:
    """A file (image or PDF) with an optional line of text, as one message."""
    settings = _settings(channel)
    chat = _chat(settings)
    upload = request.files.get("file")
    if upload is None:
        raise PayloadError("send the file as the form field 'file'")
    data = upload.read(settings.limits.attachment_bytes + 1)
    if len(data) > settings.limits.attachment_bytes:
        raise PayloadError("the file is too large", 413)
    attachment = Attachment(file_name(upload.filename), file_type(data), data)
    said = parse_said({"id": request.form.get("id", ""),
                       "text": request.form.get("text") or attachment.filename}, settings.limits)
    written = conversation.say(settings, chat, said, (attachment,))
    return {"seq": written.seq, "reference": written.reference}, 201


@bp.post("/chat/<channel>/api/leave")
@csrf.exempt
def api_leave(channel: str) -> tuple[dict[str, Any], int]:
    """Nobody can chat now: leave a message, answered by e-mail, with a receipt."""
    settings = _settings(channel)
    chat = _chat(settings)
    data = _body(settings)
    said = parse_said(data, settings.limits)
    contact = parse_start({"name": data.get("name", chat.name), "email": data.get("email"),
                           "language": chat.language})
    if not contact.email:
        raise PayloadError("'email' is needed: the answer comes by e-mail")
    left = conversation.leave_message(settings, chat, said, contact.name, contact.email)
    return {"reference": left.reference,
            "due_at": left.due_at.isoformat() if left.due_at else None,
            "receipt": left.receipt}, 201


@bp.get("/chat/<channel>/api/messages")
@csrf.exempt
def api_poll(channel: str) -> dict[str, Any]:
    """Long poll: the lines after `after`, as soon as there are any (up to `wait` s)."""
    settings = _settings(channel)
    chat = _chat(settings)
    after = parse_after(request.args.get("after"))
    longest = current_app.config.get("CHAT_POLL_SECONDS", POLL_SECONDS)  # tests shorten it
    wait = min(parse_after(request.args.get("wait") or str(int(longest))), longest)
    lines, cursor = stream.wait_for_lines(chat.id, after, wait)
    return {"lines": [line.as_json() for line in lines], "after": cursor}


@bp.post("/chat/<channel>/api/end")
@csrf.exempt
def api_end(channel: str) -> dict[str, Any]:
    settings = _settings(channel)
    chat = _chat(settings)
    data = _body(settings)
    transcript = data.get("transcript", False)
    if not isinstance(transcript, bool):
        raise PayloadError("'transcript' must be true or false")
    return {"transcript_queued": conversation.end(settings, chat, transcript)}


def widget_strings(language: str) -> dict[str, str]:
    """The widget's words; it renders them as text, never as HTML."""
    with force_locale(language):
        return {
            "open": gettext("Chat with us"),
            "close": gettext("Close the chat"),
            "title": gettext("Chat with the service centre"),
            "privacy": gettext("Do not write national identity numbers or health details "
                               "in the chat."),
            "name": gettext("Your name (optional)"),
            "email": gettext("Your e-mail address (optional)"),
            "email_required": gettext("Your e-mail address"),
            "start": gettext("Start the chat"),
            "message": gettext("Your message"),
            "send": gettext("Send"),
            "file": gettext("Attach a picture or PDF"),
            "you": gettext("You"),
            "desk": gettext("Service centre"),
            "waiting": gettext("Thank you. An adviser will answer you here shortly."),
            "closed": gettext("The chat is closed now. Leave a message and we will answer "
                              "you by e-mail."),
            "busy": gettext("No adviser is free to chat right now. Leave a message and we "
                            "will answer you by e-mail."),
            "leave": gettext("Leave a message"),
            "left": gettext("Your message is received."),
            "end": gettext("End the chat"),
            "transcript": gettext("Send me the conversation by e-mail"),
            "ended": gettext("The chat has ended. Thank you for contacting us."),
            "error": gettext("Something went wrong. Try again."),
            "too_large": gettext("The message or file is too large."),
            "new_message": gettext("New message from the service centre"),
        }


def fallback_strings() -> dict[str, dict[str, str]]:
    """The widget's words for when it cannot start (its site is not allowed, the desk is
    down), in every language: they come with the script, as the status call may fail."""
    strings = {}
    for language in LANGUAGES:
        words = widget_strings(language)
        with force_locale(language):
            unavailable = gettext("The chat cannot start on this page. Contact us another "
                                  "way, for example by e-mail.")
        strings[language] = {"open": words["open"], "close": words["close"],
                             "title": words["title"], "unavailable": unavailable}
    return strings


@cache
def _widget_script() -> str:
    """The script with its fallback words, made once per process: it changes only
    with a new release, and every page of the municipality's site loads it."""
    return WIDGET.read_text(encoding="utf-8").replace(
        "/*DESK-FALLBACK*/{}", json.dumps(fallback_strings(), ensure_ascii=True), 1)
