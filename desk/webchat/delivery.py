"""The chat connector's send: an answer reaches the citizen by joining their stream.

The citizen's open long poll (in whichever web process) sees the new line
within a poll interval. It is the outbox's sender like any channel's, so an
answer is queued with the reply, retried, and marked sent once on the stream.
"""

from __future__ import annotations

from sqlalchemy import select

from connectors.base import OutboundMessage, PermanentFailure
from desk.database import transaction
from desk.models import Channel, ChatSession, Message, utcnow
from desk.webchat.stream import append_line


class ChatStream:
    """A `connectors.base.Sender` for a web chat channel (needs the app context)."""

    def __init__(self, channel: str) -> None:
        self.channel = channel

    def send(self, message: OutboundMessage) -> str:
        """Put the answer on the stream of the session it is addressed to; our own id for it.

        Sending it again (a lease that ran out mid-send) finds its line: one line.
        """
        with transaction() as session:
            chat_id = session.scalar(
                select(ChatSession.id).join(Channel, Channel.id == ChatSession.channel_id)
                .where(ChatSession.public_id == message.recipient, Channel.name == self.channel))
            if chat_id is None:
                raise PermanentFailure(f"no chat session {message.recipient!r} on {self.channel}")
            message_id = session.scalar(select(Message.id).where(
                Message.external_id == message.message_id))
            if message_id is None:
                raise PermanentFailure(f"no message {message.message_id!r} to deliver")
            append_line(session, chat_id, message_id, False, utcnow())
        return message.message_id or ""
