"""Sending on a Page: Messenger messages, private replies to comments, public replies.

The outbox gives every message an address; on a Facebook channel it says how
the message goes out:

- ``<psid>``: a Messenger message (Send API, `messaging_type: RESPONSE`), its
  text split at Messenger's 2,000 characters, then each file as an upload;
- ``private:<comment_id>``: the one private reply Messenger allows to a comment
  (text only); Facebook's answer names the person's page-scoped id, handed to
  `on_private_reply` so the conversation that follows finds the inquiry;
- ``comment:<comment_id>``: a public answer under the comment (text only).
"""

from __future__ import annotations

from collections.abc import Callable

from connectors.base import OutboundMessage, PermanentFailure, SendError
from connectors.facebook.graph import GraphClient, GraphError

MAX_TEXT = 2000
PRIVATE, PUBLIC = "private:", "comment:"
# The address of someone who commented (not a Messenger id): never messaged directly.
COMMENTER = "commenter:"


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """`text` in parts of at most `limit` characters, in order, cut at a paragraph,
    a line or a space where one is near, never inside a word that fits."""
    parts: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"), window.rfind(" "))
        if cut < limit // 2:
            cut = limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts


def file_kind(content_type: str) -> str:
    major = content_type.split("/", 1)[0]
    return major if major in ("image", "video", "audio") else "file"


class FacebookSender:
    """The channel's `Sender`: one Graph call per part, failures as the outbox wants them."""

    def __init__(self, connect: Callable[[], GraphClient],
                 on_private_reply: Callable[[OutboundMessage, str], None] | None = None) -> None:
        self.connect = connect
        self.on_private_reply = on_private_reply

    def send(self, message: OutboundMessage) -> str:
        """One connection per message, closed after it (the outbox builds a sender per item)."""
        if message.recipient.startswith(COMMENTER):
            raise PermanentFailure("someone who commented can be answered only under the "
                                   "comment or by a private reply")
        self.client = self.connect()
        try:
            if message.recipient.startswith(PUBLIC):
                return self._public(message)
            if message.recipient.startswith(PRIVATE):
                return self._private(message)
            return self._messenger(message)
        except GraphError as exc:
            raise exc.as_send_failure() from exc
        finally:
            self.client.close()

    def _public(self, message: OutboundMessage) -> str:
        comment_id = message.recipient[len(PUBLIC):]
        if len(message.text) > 8000:
            raise PermanentFailure("a public answer must be short")
        return str(self.client.reply_to_comment(comment_id, message.text.strip())["id"])

    def _private(self, message: OutboundMessage) -> str:
        comment_id = message.recipient[len(PRIVATE):]
        text = split_text(message.text)
        if len(text) != 1:
            raise PermanentFailure("a private reply is one message of at most "
                                   f"{MAX_TEXT} characters")
        answer = self.client.send({"comment_id": comment_id}, {"text": text[0]})
        psid = str(answer.get("recipient_id") or "")
        if psid and self.on_private_reply is not None:
            self.on_private_reply(message, psid)
        return str(answer.get("message_id") or "")

    def _messenger(self, message: OutboundMessage) -> str:
        recipient = {"id": message.recipient}
        ids: list[str] = []
        parts = [("text", p) for p in split_text(message.text)]
        parts += [("file", a) for a in message.attachments]  # type: ignore[misc]
        for number, (kind, part) in enumerate(parts):
            try:
                if kind == "text":
                    answer = self.client.send(recipient, {"text": part})
                else:
                    answer = self.client.send_file(recipient, file_kind(part.content_type),
                                                   part.filename, part.data, part.content_type)
            except (GraphError, SendError) as exc:
                if not ids:
                    raise
                # Some parts are out: sending the whole again would repeat them.
                failure = exc.as_send_failure() if isinstance(exc, GraphError) else exc
                raise PermanentFailure(
                    f"only the first {number} of {len(parts)} parts were delivered; "
                    f"the rest failed: {failure}") from exc
            ids.append(str(answer.get("message_id") or ""))
        if not ids:
            raise PermanentFailure("nothing to send: the message is empty")
        return ids[0]
