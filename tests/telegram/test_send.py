"""Sending on Telegram through the outbox: split text, files, and each Bot API error
mapped to what the outbox does next."""

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from connectors.telegram.split import split_text
from desk.database import transaction
from desk.extensions import db
from desk.models import (
    Channel,
    Event,
    EventKind,
    Inquiry,
    Message,
    OutboxItem,
    OutboxState,
    SendState,
    utcnow,
)
from desk.outbox import dispatch_due, queue_outbound
from tests.botapi import CITIZEN, BotApiServer, text_update
from tests.conftest import at_once
from tests.telegram.conftest import pull


@pytest.mark.parametrize(("text", "limit", "parts"), [
    ("kort", 10, ["kort"]),
    ("avsnitt en\n\navsnitt to", 15, ["avsnitt en", "avsnitt to"]),
    ("linje en\nlinje to og mer", 15, ["linje en", "linje to og mer"]),
    ("ord ord ord ord", 8, ["ord ord", "ord ord"]),
    ("abcdefghij", 4, ["abcd", "efgh", "ij"]),
    ("a\n\nb c\nd", 100, ["a\n\nb c\nd"]),
])
def test_split_text_cuts_on_the_best_boundary_in_order(text: str, limit: int,
                                                       parts: list[str]) -> None:
    assert split_text(text, limit) == parts


def test_split_text_keeps_every_word_of_a_long_reply() -> None:
    text = "\n\n".join(f"Avsnitt {n}: " + "ord " * 300 for n in range(10))
    parts = split_text(text)
    assert all(len(p) <= 4096 for p in parts) and len(parts) > 1
    assert " ".join(parts).split() == text.split()


def reply(text: str, attachments: tuple = ()) -> int:
    """An inquiry from Kari on `tg` and a reply to her in the outbox; the message id."""
    inquiry = db.session.scalar(select(Inquiry).order_by(Inquiry.id.desc()))
    with transaction() as session:
        channel = session.scalar(select(Channel).where(Channel.name == "tg"))
        inquiry = session.get(Inquiry, inquiry.id)
        message_id = queue_outbound(session, inquiry, channel, str(CITIZEN["id"]), "", text)
        if attachments:
            from desk.attachments import store_attachments

            store_attachments(session, message_id, attachments)
    return message_id


@pytest.fixture
def inquiry(app: Flask, botapi: BotApiServer) -> Inquiry:
    botapi.queue_update(text_update(botapi, "Hei"))
    assert pull(app).outcomes == {"created": 1}
    # The receipt goes first, so each test starts with an empty outbox.
    assert dispatch_due("w0").sent
    botapi.state.sent.clear()
    return db.session.scalar(select(Inquiry))


def item(message_id: int) -> OutboxItem:
    row = db.session.scalar(select(OutboxItem).where(OutboxItem.message_id == message_id))
    db.session.refresh(row)
    return row


def test_a_reply_is_sent_in_order_split_and_its_files_after(
        app: Flask, botapi: BotApiServer, inquiry: Inquiry) -> None:
    from connectors.base import Attachment

    text = "Første avsnitt.\n\n" + "x " * 2500 + "\n\nSiste avsnitt."
    message_id = reply(text, (Attachment("vedtak.pdf", "application/pdf", b"%PDF-1.4"),
                              Attachment("kart.png", "image/png", b"\x89PNG")))
    assert dispatch_due("w1").sent
    sent = botapi.sent
    assert [s.method for s in sent] == ["sendMessage", "sendMessage", "sendDocument",
                                        "sendPhoto"]
    assert " ".join(s.text for s in sent[:2]).split() == text.split()
    assert (sent[2].filename, sent[2].data) == ("vedtak.pdf", b"%PDF-1.4")
    assert (sent[3].filename, sent[3].data) == ("kart.png", b"\x89PNG")
    assert all(s.chat_id == CITIZEN["id"] for s in sent)
    message = db.session.get(Message, message_id)
    db.session.refresh(message)
    assert message.send_state is SendState.SENT
    assert message.external_id == f"{CITIZEN['id']}:{sent[0].message_id}"


def test_a_flood_wait_is_honoured(app: Flask, botapi: BotApiServer, inquiry: Inquiry) -> None:
    message_id = reply("Svar")
    botapi.fail("sendMessage", 429, retry_after=600)
    now = utcnow()
    assert dispatch_due("w1", now=now).retrying
    row = item(message_id)
    assert row.next_attempt_at >= now + timedelta(seconds=600) - timedelta(seconds=1)
    assert "600" in row.last_error
    assert dispatch_due("w1", now=now + timedelta(seconds=601)).sent
    assert [s.text for s in botapi.sent] == ["Svar"]


@pytest.mark.parametrize("fault", ["500", "502", "hang"])
def test_server_errors_and_time_outs_are_retried(
        app: Flask, botapi: BotApiServer, inquiry: Inquiry, fault: str) -> None:
    message_id = reply("Svar")
    if fault == "hang":
        botapi.hang("sendMessage", 5.0)  # past the 2 s request time-out
    else:
        botapi.fail("sendMessage", int(fault))
    now = utcnow()
    assert dispatch_due("w1", now=now).retrying
    assert item(message_id).state is OutboxState.PENDING
    assert dispatch_due("w1", now=now + timedelta(hours=1)).sent
    # A hung request may have been accepted after the client gave up (the window the
    # outbox documents); an error reply was not.
    texts = [s.text for s in botapi.sent]
    assert texts in (["Svar"], ["Svar", "Svar"]) if fault == "hang" else texts == ["Svar"]


def test_a_blocked_bot_fails_for_good_and_the_agent_sees_why(
        app: Flask, botapi: BotApiServer, inquiry: Inquiry) -> None:
    message_id = reply("Svar")
    botapi.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")
    assert dispatch_due("w1").failed
    message = db.session.get(Message, message_id)
    db.session.refresh(message)
    assert message.send_state is SendState.FAILED
    event = db.session.scalar(select(Event).where(Event.kind == EventKind.SEND_FAILED))
    assert "blocked the bot" in str(event.data)


def test_a_revoked_token_marks_the_channel_and_keeps_the_message(
        app: Flask, botapi: BotApiServer, inquiry: Inquiry) -> None:
    message_id = reply("Svar")
    botapi.fail("sendMessage", 401)
    assert dispatch_due("w1").retrying
    channel = db.session.scalar(select(Channel).where(Channel.name == "tg"))
    db.session.refresh(channel)
    assert "token" in channel.last_error
    assert item(message_id).state is OutboxState.PENDING


def test_a_refused_request_is_permanent(app: Flask, botapi: BotApiServer,
                                        inquiry: Inquiry) -> None:
    reply("Svar")
    botapi.fail("sendMessage", 400, "Bad Request: chat not found")
    assert dispatch_due("w1").failed


def test_parts_already_sent_are_not_sent_again_on_retry(
        app: Flask, botapi: BotApiServer, inquiry: Inquiry) -> None:
    text = "a " * 3000 + "\n\n" + "b " * 3000
    reply(text)
    # Part 1 goes out, part 2 meets a 500: the retry starts at part 2.
    botapi.fail("sendMessage", 500, after=1)
    now = utcnow()
    assert dispatch_due("w1", now=now).retrying
    assert len(botapi.sent) == 1
    assert dispatch_due("w1", now=now + timedelta(hours=1)).sent
    texts = [s.text for s in botapi.sent]
    assert texts == split_text(text) and len(texts) == 3
    from desk.models import Setting

    assert db.session.scalar(select(Setting).where(Setting.key.like("telegram-parts:%"))) is None


def test_each_reply_is_sent_exactly_once_by_two_workers(
        app: Flask, botapi: BotApiServer, inquiry: Inquiry) -> None:
    for n in range(8):
        reply(f"Svar {n}")
    at_once(app, lambda worker: dispatch_due(worker), ["w1", "w2"])
    dispatch_due("w3")
    assert sorted(s.text for s in botapi.sent) == sorted(f"Svar {n}" for n in range(8))
