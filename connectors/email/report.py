"""Recognise delivery reports: RFC 3464 DSNs and the common non-standard bounces."""

from __future__ import annotations

import re

from connectors.email.decode import normalize_msgid

_BOUNCE_SENDER = re.compile(r"^(?:mailer-daemon|postmaster|mail-daemon|maildaemon|mdaemon)\b")
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|non-?deliver|not (?:be )?delivered|delivery status notification|"
    r"delivery (?:has )?fail|"
    r"mail delivery (?:failed|failure|system|subsystem)|returned mail|failure notice|"
    r"non remis|unzustellbar|nicht zustellbar|onbestelbaar|kan ikke leveres|ikke levert|"
    r"levering (?:mislyktes|feilet)|kunne ikke leveres|olevererbart|kunde inte levereras",
    re.IGNORECASE,
)
# A Message-ID line of the returned original, as qmail and Exim quote it in the body
# (folded, too: the id on the next line).
_QUOTED_MSGID = re.compile(
    r"^[ \t>]*Message-ID:[ \t]*(?:\n[ \t>]*)?(<[^>\s]+>)", re.IGNORECASE | re.MULTILINE
)


def is_delivery_report(
    content_type: str,
    report_type: str | None,
    sender: str,
    subject: str,
    headers: dict[str, str],
) -> bool:
    """True for a DSN or a bounce that only says so in its sender and subject.

    Read receipts (report-type=disposition-notification) are not delivery reports:
    they say the mail arrived. Loop guards still see their Content-Type header.
    """
    if content_type == "multipart/report" and (report_type or "").lower() == "delivery-status":
        return True
    if "x-failed-recipients" in headers:
        return True
    bounce_subject = bool(_BOUNCE_SUBJECT.search(subject))
    null_sender = "return-path" in headers and headers["return-path"].strip() in ("<>", "")
    if _BOUNCE_SENDER.match(sender):  # postmaster also writes mail by hand: ask for more
        return bounce_subject or null_sender
    return bounce_subject and null_sender


def is_bounce_daemon(address: str) -> bool:
    """A bounce daemon's bare name with no domain (``MAILER-DAEMON``), as local bounces carry."""
    return bool(_BOUNCE_SENDER.fullmatch(address.strip().lower()))


def quoted_message_ids(text: str) -> list[str]:
    """Message-IDs of original mails quoted inline in a bounce's text."""
    return [i for i in (normalize_msgid(m) for m in _QUOTED_MSGID.findall(text)) if i]
