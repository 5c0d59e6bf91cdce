"""E-mail: parse and compose RFC 5322 messages, fetch by IMAP, send by SMTP."""

from connectors.email.parse import UnparseableMail, parse_message
from connectors.email.quoting import split_quoted

__all__ = ["UnparseableMail", "parse_message", "split_quoted"]
