"""Parse the raw bytes of a mail for a channel, with that channel's size limits."""

from connectors.base import InboundMessage
from connectors.email import parse_message
from desk.config import current_config
from desk.mail.settings import parse_limits


def parse_mail(raw: bytes, channel: str) -> InboundMessage:
    """Raises `UnparseableMail` with the reason, for the quarantine."""
    config = current_config()
    max_bytes, max_attachment_bytes = parse_limits(config.channel(channel), config)
    return parse_message(raw, channel, max_bytes=max_bytes,
                         max_attachment_bytes=max_attachment_bytes)
