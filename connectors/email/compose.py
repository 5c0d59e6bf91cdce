"""Build the RFC 5322 message for one `OutboundMessage`."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from connectors.base import Attachment, OutboundMessage


def subject_with_reference(subject: str, reference: str | None) -> str:
    """Append ``[reference]`` unless the subject already carries the reference."""
    subject = " ".join(subject.split())
    if not reference or reference in subject:
        return subject
    return f"{subject} [{reference}]" if subject else f"[{reference}]"


def text_to_html(text: str) -> str:
    """Plain text as simple, safe HTML: escaped, paragraphs at blank lines, line breaks kept."""
    paragraphs = [p for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    body = "".join(
        "<p>" + "<br>\n".join(html.escape(line) for line in p.split("\n")) + "</p>\n"
        for p in paragraphs
    )
    return f'<!doctype html>\n<html><body style="font-family: sans-serif">\n{body}</body></html>\n'


def _bracket(message_id: str) -> str:
    return f"<{message_id.strip().strip('<>')}>"


def _address(address: str, name: str) -> Address:
    local, _, domain = address.strip().rpartition("@")
    return Address(display_name=name or "", username=local, domain=domain)


def _maintype_subtype(content_type: str) -> tuple[str, str]:
    maintype, _, subtype = content_type.partition("/")
    return (maintype, subtype) if maintype and subtype else ("application", "octet-stream")


def _add_related(html_part: EmailMessage, att: Attachment) -> None:
    maintype, subtype = _maintype_subtype(att.content_type)
    html_part.add_related(
        att.data,
        maintype,
        subtype,
        cid=_bracket(att.content_id or ""),
        disposition="inline",
        filename=att.filename,
    )


def compose(
    msg: OutboundMessage, from_address: str, from_name: str, message_id_domain: str
) -> EmailMessage:
    """The mail for `msg`, UTF-8 throughout, ready for `smtplib.send_message`.

    Raises ValueError when an address cannot be written as a header.
    """
    mail = EmailMessage()
    mail["From"] = _address(from_address, from_name)
    mail["To"] = _address(msg.recipient, msg.recipient_name)
    mail["Subject"] = subject_with_reference(msg.subject, msg.reference)
    mail["Date"] = format_datetime(datetime.now(UTC))
    mail["Message-ID"] = (
        _bracket(msg.message_id) if msg.message_id else make_msgid(domain=message_id_domain)
    )
    if msg.in_reply_to:
        mail["In-Reply-To"] = _bracket(msg.in_reply_to)
    references = [*msg.references]
    if msg.in_reply_to and msg.in_reply_to not in references:
        references.append(msg.in_reply_to)
    if references:
        mail["References"] = " ".join(_bracket(r) for r in references)
    if msg.automatic:
        # RFC 3834, and Exchange's own flag: no auto-reply should answer this one.
        mail["Auto-Submitted"] = "auto-replied"
        mail["X-Auto-Response-Suppress"] = "All"
    mail.set_content(msg.text, charset="utf-8")
    inline = [a for a in msg.attachments if a.inline and a.content_id and msg.html]
    # Agents write plain text; an HTML alternative made from it reads better in
    # mail programs that would otherwise show it in a fixed-width font.
    html_body = msg.html or text_to_html(msg.text)
    if html_body:
        mail.add_alternative(html_body, subtype="html", charset="utf-8")
        html_part = mail.get_payload()[-1]
        for att in inline:
            _add_related(html_part, att)
    for att in msg.attachments:
        if att not in inline:
            maintype, subtype = _maintype_subtype(att.content_type)
            mail.add_attachment(att.data, maintype, subtype, filename=att.filename)
    return mail
