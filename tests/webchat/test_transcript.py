"""The chat's transcript, sent through the outbox on the e-mail channel to the real SMTP
server of tests/mailservers.py."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from desk import workflow
from desk.extensions import db
from desk.models import Event, EventKind, Inquiry
from desk.outbox import dispatch_due
from tests.connectors.email.conftest import *  # noqa: F403 - the real SMTP server
from tests.mailservers import SmtpServer
from tests.webchat.conftest import CHAT_CHANNEL, Widget


@pytest.fixture
def config_overrides(smtp_server: SmtpServer) -> dict[str, Any]:
    mail = {"name": "postmottak", "kind": "email", "address": "post@kommune.example",
            "smtp_host": smtp_server.host, "smtp_port": smtp_server.port,
            "smtp_security": "none", "smtp_auth": False}
    return {"channels": [mail, CHAT_CHANNEL]}


def test_the_transcript_is_mailed_when_the_citizen_ends_the_chat(
        app: Flask, widget: Widget, agent: Any, smtp_server: SmtpServer) -> None:
    widget.start(name="Ola", email="ola@example.no", language="nn")
    widget.say("Kva tid stenger biblioteket?")
    inquiry = db.session.scalars(select(Inquiry)).one()
    workflow.reply(agent, inquiry.id, "Klokka 19.")
    dispatch_due("test-worker")

    ended = widget.post("end", json={"transcript": True})
    assert ended.status_code == 200 and ended.get_json()["transcript_queued"]
    assert len(dispatch_due("test-worker").sent) == 1

    (mail,) = smtp_server.messages
    assert mail.rcpt_tos == ("ola@example.no",)
    body = mail.message.get_body(("plain",)).get_content()
    assert "Kva tid stenger biblioteket?" in body and "Kari: Klokka 19." in body
    assert inquiry.reference in mail.message["Subject"]
    kinds = set(db.session.scalars(select(Event.kind)))
    assert {EventKind.CHAT_ENDED, EventKind.TRANSCRIPT_QUEUED} <= kinds
    # Ending again changes nothing, and without an e-mail address nothing is sent.
    assert widget.post("end", json={"transcript": "yes"}).status_code == 400


def test_no_transcript_without_an_address(app: Flask, widget: Widget, agent: Any,
                                          smtp_server: SmtpServer) -> None:
    widget.start()
    widget.say("Hei")
    assert not widget.post("end", json={"transcript": True}).get_json()["transcript_queued"]
    dispatch_due("test-worker")
    assert smtp_server.messages == []
