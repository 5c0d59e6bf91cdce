"""compose() and SmtpSender against a real aiosmtpd server."""

from __future__ import annotations

import pytest

from connectors.base import Attachment, OutboundMessage, PermanentFailure, TemporaryFailure
from connectors.email import parse_message
from connectors.email.compose import compose, subject_with_reference
from connectors.email.smtp import SmtpSender, SmtpSettings
from tests.mailservers import (
    SMTP_PASSWORD,
    SMTP_TOKEN,
    SMTP_USER,
    SmtpServer,
    TlsCertificate,
    free_port,
)


def make_outbound(**overrides) -> OutboundMessage:
    fields = {
        "channel": "email",
        "recipient": "ola@example.no",
        "recipient_name": "Ola Nordmann",
        "subject": "Re: Søknad om barnehageplass",
        "text": "Hei Ola,\n\nvi har fått søknaden din.\n",
        "reference": "2026-004711",
        "message_id": "abc123@desk.kommune.example",
        "in_reply_to": "CAF+xyz.123@mail.example.no",
        "references": ("first@mail.example.no",),
    }
    return OutboundMessage(**{**fields, **overrides})


def sender_for(server: SmtpServer) -> SmtpSender:
    return SmtpSender(
        SmtpSettings(
            host=server.host,
            port=server.port,
            security="none",
            timeout=5,
            from_address="post@kommune.example",
            from_name="Innbyggerservice Æøå",
            message_id_domain="desk.kommune.example",
        )
    )


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Re: Søknad", "Re: Søknad [2026-004711]"),
        ("Re: Søknad [2026-004711]", "Re: Søknad [2026-004711]"),
        ("Sak 2026-004711 mottatt", "Sak 2026-004711 mottatt"),
        ("", "[2026-004711]"),
    ],
)
def test_subject_with_reference(subject: str, expected: str):
    assert subject_with_reference(subject, "2026-004711") == expected


def test_compose_generates_message_id_when_missing():
    mail = compose(make_outbound(message_id=None), "post@kommune.example", "", "desk.example")
    assert mail["Message-ID"].endswith("@desk.example>")
    assert "Auto-Submitted" not in mail


def test_send_plain_html_and_attachment(smtp_server: SmtpServer):
    pdf = Attachment("Vedtak æøå.pdf", "application/pdf", b"%PDF-1.4 test")
    logo = Attachment("logo.png", "image/png", b"\x89PNG", content_id="logo@desk", inline=True)
    outbound = make_outbound(
        html='<p>Hei Ola,</p><img src="cid:logo@desk">', attachments=(pdf, logo)
    )
    external_id = sender_for(smtp_server).send(outbound)

    assert external_id == "abc123@desk.kommune.example"
    (received,) = smtp_server.messages
    assert received.mail_from == "post@kommune.example"
    assert received.rcpt_tos == ("ola@example.no",)
    mail = received.message
    assert mail["Message-ID"] == "<abc123@desk.kommune.example>"
    assert mail["In-Reply-To"] == "<CAF+xyz.123@mail.example.no>"
    assert mail["References"] == "<first@mail.example.no> <CAF+xyz.123@mail.example.no>"
    assert mail["Subject"] == "Re: Søknad om barnehageplass [2026-004711]"
    assert mail["From"] == "Innbyggerservice Æøå <post@kommune.example>"
    assert mail["Date"] is not None
    assert "Auto-Submitted" not in mail

    back = parse_message(received.data, "email")  # our own parser reads it back
    assert back.text == "Hei Ola,\n\nvi har fått søknaden din."
    assert back.html is not None and "cid:logo@desk" in back.html
    assert [(a.filename, a.data, a.inline) for a in back.attachments] == [
        ("logo.png", b"\x89PNG", True),
        ("Vedtak æøå.pdf", b"%PDF-1.4 test", False),
    ]


def test_plain_text_reply_gets_an_escaped_html_alternative(smtp_server: SmtpServer):
    text = "Hei Ola,\n\nSvar <før> fredag & ta med skjema.\nMvh\nKari"
    sender_for(smtp_server).send(make_outbound(text=text, html=None))
    mail = smtp_server.messages[0].message
    assert mail.get_content_type() == "multipart/alternative"
    plain = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = mail.get_body(("html",)).get_content().replace("\r\n", "\n")
    assert plain.rstrip("\n") == text
    assert "<p>Svar &lt;før&gt; fredag &amp; ta med skjema.<br>\nMvh<br>\nKari</p>" in html


def test_automatic_mail_is_marked(smtp_server: SmtpServer):
    sender_for(smtp_server).send(make_outbound(automatic=True, in_reply_to=None, references=()))
    mail = smtp_server.messages[0].message
    assert mail["Auto-Submitted"] == "auto-replied"
    assert mail["X-Auto-Response-Suppress"] == "All"
    assert "In-Reply-To" not in mail and "References" not in mail


def test_4xx_is_temporary(smtp_server: SmtpServer):
    with pytest.raises(TemporaryFailure, match="451"):
        sender_for(smtp_server).send(make_outbound(recipient="tempfail@example.no"))
    assert smtp_server.messages == []


def test_5xx_is_permanent(smtp_server: SmtpServer):
    with pytest.raises(PermanentFailure, match="550"):
        sender_for(smtp_server).send(make_outbound(recipient="reject@example.no"))


def test_connection_refused_is_temporary():
    server = SmtpServer("127.0.0.1", free_port(), [])  # nobody listens there
    with pytest.raises(TemporaryFailure):
        sender_for(server).send(make_outbound())


def test_unwritable_address_is_permanent(smtp_server: SmtpServer):
    with pytest.raises(PermanentFailure):
        sender_for(smtp_server).send(make_outbound(recipient="ola@exa\nmple.no"))


@pytest.mark.parametrize(
    ("server_fixture", "security"),
    [("smtp_starttls_server", "starttls"), ("smtp_tls_server", "tls")],
)
def test_send_over_tls(request, tls_certificate, server_fixture: str, security: str):
    server: SmtpServer = request.getfixturevalue(server_fixture)
    plain = sender_for(server).settings
    sender = SmtpSender(
        SmtpSettings(**{**plain.__dict__, "security": security}),
        ssl_context=tls_certificate.client_context(),
    )
    assert sender.send(make_outbound()) == "abc123@desk.kommune.example"
    assert len(server.messages) == 1


def test_untrusted_certificate_is_temporary(smtp_starttls_server: SmtpServer):
    plain = sender_for(smtp_starttls_server).settings
    sender = SmtpSender(SmtpSettings(**{**plain.__dict__, "security": "starttls"}))
    with pytest.raises(TemporaryFailure, match="CERTIFICATE_VERIFY_FAILED"):
        sender.send(make_outbound())


def _login_sender(server: SmtpServer, tls: TlsCertificate, **settings) -> SmtpSender:
    plain = sender_for(server).settings
    access_token = settings.pop("access_token", None)
    return SmtpSender(SmtpSettings(**{**plain.__dict__, "security": "starttls", **settings}),
                      ssl_context=tls.client_context(), access_token=access_token)


def test_password_login(smtp_auth_server: SmtpServer, tls_certificate: TlsCertificate):
    sender = _login_sender(smtp_auth_server, tls_certificate, username=SMTP_USER,
                           password=SMTP_PASSWORD)
    sender.send(make_outbound())
    assert len(smtp_auth_server.messages) == 1


def test_xoauth2_login_asks_for_a_fresh_token_every_time(
    smtp_auth_server: SmtpServer, tls_certificate: TlsCertificate
):
    asked: list[int] = []

    def token() -> str:
        asked.append(1)
        return SMTP_TOKEN

    sender = _login_sender(smtp_auth_server, tls_certificate, username=SMTP_USER,
                           auth="oauth2", access_token=token)
    sender.send(make_outbound())
    sender.send(make_outbound(message_id="second@desk.kommune.example"))
    assert len(smtp_auth_server.messages) == 2
    assert len(asked) == 2


def test_rejected_token_is_temporary(smtp_auth_server: SmtpServer, tls_certificate: TlsCertificate):
    sender = _login_sender(smtp_auth_server, tls_certificate, username=SMTP_USER,
                           auth="oauth2", access_token=lambda: "expired")
    with pytest.raises(TemporaryFailure, match="535"):
        sender.send(make_outbound())
    assert smtp_auth_server.messages == []


def test_token_source_failing_is_temporary(
    smtp_auth_server: SmtpServer, tls_certificate: TlsCertificate
):
    def broken() -> str:
        raise OSError("oauth2_token_command exited with 1")

    sender = _login_sender(smtp_auth_server, tls_certificate, username=SMTP_USER,
                           auth="oauth2", access_token=broken)
    with pytest.raises(TemporaryFailure, match="no OAuth2 access token"):
        sender.send(make_outbound())


def test_wrong_password_is_temporary(smtp_auth_server: SmtpServer, tls_certificate: TlsCertificate):
    # An admin fixing the password must still get the queued mail out.
    sender = _login_sender(smtp_auth_server, tls_certificate, username=SMTP_USER,
                           password="feil")
    with pytest.raises(TemporaryFailure, match="535"):
        sender.send(make_outbound())
