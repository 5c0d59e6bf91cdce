"""Fixtures for the desk's e-mail glue: the real servers of tests/mailservers.py,
a desk whose `postmottak` channel reads and sends through them, and mail makers."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from typing import Any

import pytest
from flask import Flask
from imapclient import IMAPClient

from desk.config import current_config
from desk.mail.fetch import FetchReport, fetch_mailbox, mailboxes
from desk.mail.settings import MailboxSettings
from desk.models import utcnow
from tests.conftest import TEST_CHANNELS
from tests.connectors.email.conftest import *  # noqa: F403 - the real mail servers
from tests.mailservers import ImapServer, SmtpServer

ADDRESS = "postmottak@kommune.example"


def mail_channel(imap: ImapServer, smtp: SmtpServer | None, **options: Any) -> dict[str, Any]:
    """A `[[channels]]` entry for an e-mail channel on the test servers."""
    channel: dict[str, Any] = {
        "name": "postmottak", "kind": "email", "display_name": "Postmottak",
        "address": ADDRESS, "imap_host": imap.host, "imap_port": imap.port,
        "imap_security": "none", "imap_folder": imap.folder, "username": imap.username,
        "password": imap.password, "timeout_seconds": 5, "lease_seconds": 30,
    }
    if smtp is not None:
        channel.update(smtp_host=smtp.host, smtp_port=smtp.port, smtp_security="none",
                       smtp_auth=False)
    return {**channel, **options}


@pytest.fixture
def config_overrides(imap_server: ImapServer, smtp_server: SmtpServer) -> dict[str, Any]:
    return {"channels": [*TEST_CHANNELS, mail_channel(imap_server, smtp_server)]}


@pytest.fixture
def mailbox(app: Flask) -> Iterator[IMAPClient]:
    """A second IMAP client on the same mailbox: the mail system and other mail programs."""
    settings = postmottak()
    client = IMAPClient(settings.imap.host, port=settings.imap.port, ssl=False, timeout=5)
    client.login(settings.imap.username, settings.imap.password)
    client.select_folder(settings.imap.folder)
    yield client
    client.logout()


def postmottak() -> MailboxSettings:
    (settings,) = [m for m in mailboxes(current_config()) if m.channel == "postmottak"]
    return settings


def fetch(holder: str = "test-worker") -> FetchReport:
    return fetch_mailbox(postmottak(), holder)


def citizen_mail(
    subject: str = "Søppeltømming i Storgata",
    body: str = "Hei, søppelet ble ikke tømt i dag. Hva gjør jeg?",
    sender: str = "ola@example.no",
    name: str = "Ola Nordmann",
    message_id: str | None = None,
    **headers: str,
) -> bytes:
    """A citizen's mail as bytes; extra headers by keyword (In_Reply_To=...)."""
    mail = EmailMessage()
    mail["From"] = f"{name} <{sender}>"
    mail["To"] = ADDRESS
    mail["Subject"] = subject
    mail["Date"] = format_datetime(utcnow())
    mail["Message-ID"] = message_id or make_msgid(domain="example.no")
    for key, value in headers.items():
        mail[key.replace("_", "-")] = value
    mail.set_content(body)
    return mail.as_bytes(policy=SMTP)


def append(client: IMAPClient, *mails: bytes) -> None:
    for raw in mails:
        client.append("INBOX", raw)

