"""The Page's webhook: the signature check, and a delivery read into plain events.

One POST may carry many events (several `entry`s, each with `messaging` or
`changes`). Each event the desk takes in keeps its own raw JSON, so a
quarantined one can be read again alone (`parse_event`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


class PayloadError(ValueError):
    """The body is not a webhook delivery the desk understands."""


def signature_ok(body: bytes, header: str | None, app_secret: str) -> bool:
    """`X-Hub-Signature-256: sha256=<hex>` is the HMAC-SHA256 of the raw body with the
    app secret; compared in constant time. No header, another scheme: not ok."""
    if not header or not app_secret or not header.startswith("sha256="):
        return False
    wanted = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(wanted, header[len("sha256="):].strip().lower())


def sign(body: bytes, app_secret: str) -> str:
    """The header value Facebook sends for `body` (tests, benchmarks)."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class FileRef:
    """A file a message names by URL (signed, expiring): fetched at once by the desk."""

    kind: str  # image | video | audio | file
    url: str
    name: str = ""


@dataclass(frozen=True)
class Event:
    """One thing the Page was told. `kind` is `message`, `comment` or `ignored`
    (an echo of our own message, a delivery or read receipt, a reaction, a comment
    by the Page itself, an edit): ignored ones say why in `reason`."""

    kind: str
    raw: bytes
    external_id: str = ""
    sender_id: str = ""
    sender_name: str = ""
    text: str = ""
    at: datetime | None = None
    files: tuple[FileRef, ...] = ()
    notes: tuple[str, ...] = ()
    # Comments: where it was written, and the thread of comments it belongs to.
    post_id: str = ""
    permalink: str = ""
    thread: str = ""
    reason: str = ""


def parse_delivery(body: bytes, page_id: str) -> list[Event]:
    """Every event in a POST body, in order; PayloadError when it is not a delivery."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PayloadError(f"not JSON: {exc}") from exc
    if not isinstance(payload, dict) or payload.get("object") != "page":
        raise PayloadError("not a Page webhook delivery (object is not 'page')")
    entries = payload.get("entry")
    if not isinstance(entries, list):
        raise PayloadError("no 'entry' list")
    events: list[Event] = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise PayloadError("an entry is not an object")
        for item in entry.get("messaging") or ():
            events.append(parse_event(_raw({"messaging": item}), page_id))
        for change in entry.get("changes") or ():
            events.append(parse_event(_raw({"change": change}), page_id))
    return events


def _raw(value: dict[str, Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True).encode()


def parse_event(raw: bytes, page_id: str) -> Event:
    """One event as kept (`{"messaging": ...}` or `{"change": ...}`); PayloadError if
    its shape is wrong."""
    try:
        wrapped = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PayloadError(f"not JSON: {exc}") from exc
    if not isinstance(wrapped, dict):
        raise PayloadError("not an object")
    if isinstance(wrapped.get("messaging"), dict):
        return _messaging(raw, wrapped["messaging"], page_id)
    if isinstance(wrapped.get("change"), dict):
        return _change(raw, wrapped["change"], page_id)
    raise PayloadError("neither a messaging event nor a change")


def _when(value: Any, millis: bool) -> datetime | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000 if millis else value, UTC)
    return None


def _messaging(raw: bytes, item: dict[str, Any], page_id: str) -> Event:
    sender = str((item.get("sender") or {}).get("id") or "")
    at = _when(item.get("timestamp"), millis=True)
    message = item.get("message")
    if isinstance(message, dict):
        if message.get("is_echo"):
            return Event("ignored", raw, reason="echo of the Page's own message")
        if not sender or not message.get("mid"):
            raise PayloadError("a message without sender or mid")
        if sender == page_id:
            return Event("ignored", raw, reason="written by the Page itself")
        text = message.get("text") if isinstance(message.get("text"), str) else ""
        files, notes = _files(message.get("attachments"))
        quick = message.get("quick_reply")
        if isinstance(quick, dict) and not text:
            text = str(quick.get("payload") or "")
        return Event("message", raw, external_id=str(message["mid"]), sender_id=sender,
                     text=text, at=at, files=files, notes=notes)
    postback = item.get("postback")
    if isinstance(postback, dict):
        if not sender:
            raise PayloadError("a postback without sender")
        # A postback has its own mid in current versions; else sender and time are unique.
        mid = str(postback.get("mid") or f"postback:{sender}:{item.get('timestamp')}")
        text = str(postback.get("title") or postback.get("payload") or "")
        return Event("message", raw, external_id=mid, sender_id=sender, text=text, at=at)
    for kind in ("delivery", "read", "reaction", "optin", "referral", "account_linking",
                 "message_edit", "policy_enforcement", "pass_thread_control",
                 "take_thread_control", "request_thread_control", "app_roles"):
        if kind in item:
            return Event("ignored", raw, reason=f"{kind} event")
    raise PayloadError(f"an unknown messaging event with {', '.join(sorted(item))}")


def _files(attachments: Any) -> tuple[tuple[FileRef, ...], tuple[str, ...]]:
    files: list[FileRef] = []
    notes: list[str] = []
    for attachment in attachments if isinstance(attachments, list) else ():
        if not isinstance(attachment, dict):
            continue
        kind = str(attachment.get("type") or "file")
        payload = attachment.get("payload") if isinstance(attachment.get("payload"), dict) else {}
        url = payload.get("url")
        if isinstance(url, str) and url.startswith(("https://", "http://")):
            files.append(FileRef(kind, url, str(payload.get("title") or attachment.get("name")
                                                or "")))
        elif kind == "location" and isinstance(payload.get("coordinates"), dict):
            c = payload["coordinates"]
            notes.append(f"location: {c.get('lat')}, {c.get('long')}")
        else:
            notes.append(f"an attachment of type {kind} without a file")
    return tuple(files), tuple(notes)


def _change(raw: bytes, change: dict[str, Any], page_id: str) -> Event:
    value = change.get("value")
    if change.get("field") != "feed" or not isinstance(value, dict):
        return Event("ignored", raw, reason=f"change of {change.get('field')!r}")
    if value.get("item") != "comment":
        return Event("ignored", raw, reason=f"feed item {value.get('item')!r}")
    if value.get("verb") != "add":
        return Event("ignored", raw, reason=f"comment {value.get('verb')!r}")
    author = value.get("from") if isinstance(value.get("from"), dict) else {}
    comment_id, post_id = str(value.get("comment_id") or ""), str(value.get("post_id") or "")
    if not comment_id or not post_id or not author.get("id"):
        raise PayloadError("a comment without comment_id, post_id or from.id")
    if str(author["id"]) == page_id:
        return Event("ignored", raw, reason="a comment by the Page itself")
    parent = str(value.get("parent_id") or post_id)
    post = value.get("post") if isinstance(value.get("post"), dict) else {}
    permalink = str(post.get("permalink_url") or value.get("permalink_url")
                    or f"https://www.facebook.com/{post_id}")
    files = ()
    if isinstance(value.get("photo"), str):
        files = (FileRef("image", value["photo"]),)
    return Event("comment", raw, external_id=comment_id, sender_id=str(author["id"]),
                 sender_name=str(author.get("name") or ""),
                 text=str(value.get("message") or ""),
                 at=_when(value.get("created_time"), millis=False), files=files,
                 post_id=post_id, permalink=permalink,
                 # Replies under a comment share its thread; a comment on the post starts one.
                 thread=comment_id if parent == post_id else parent)
