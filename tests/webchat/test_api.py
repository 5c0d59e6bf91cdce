"""The web chat end to end through its JSON API: a citizen's message becomes an inquiry
through ingest, the agent's reply goes through the outbox and the chat connector, and
the citizen's poll gets it; and everything a citizen may send wrong."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from desk import workflow
from desk.extensions import db
from desk.models import (
    ChatLine,
    ChatSession,
    Direction,
    Event,
    EventKind,
    Inquiry,
    Message,
    MessageAttachment,
    Status,
    utcnow,
)
from desk.outbox import dispatch_due
from tests.webchat.conftest import SITE, Widget


def count(model: Any, *where: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def only_inquiry() -> Inquiry:
    (inquiry,) = db.session.scalars(select(Inquiry)).all()
    return inquiry


def test_chat_round_trip(app: Flask, widget: Widget, agent: Any) -> None:
    status = widget.status().get_json()
    assert status["mode"] == "chat" and status["strings"]["send"] == "Send"  # nb untranslated?
    assert widget.start(name="Ola", email="ola@example.no").status_code == 201

    said = widget.say("Hei, når stenger biblioteket i dag?")
    assert said.status_code == 201 and said.get_json()["seq"] == 1

    inquiry = only_inquiry()
    assert inquiry.channel.name == "chat" and inquiry.status is Status.NEW
    chat = db.session.scalars(select(ChatSession)).one()
    assert inquiry.conversation_key == chat.public_id
    # A live chat with an agent there sends no receipt.
    assert count(Message, Message.direction == Direction.OUTBOUND) == 0
    # Only the hash of the token is kept.
    assert widget.token not in (chat.token_hash, chat.public_id)
    assert widget.poll(after=1).get_json()["lines"] == []

    workflow.claim(agent, inquiry.id)
    workflow.reply(agent, inquiry.id, "Klokka 19 i kveld.")
    report = dispatch_due("test-worker")
    assert len(report.sent) == 1

    lines = widget.poll(after=1).get_json()
    assert [(line["from"], line["text"], line["author"]) for line in lines["lines"]] == [
        ("desk", "Klokka 19 i kveld.", "Kari")]
    assert lines["after"] == 2
    # The whole stream from the start: the citizen's line and the answer.
    assert [line["from"] for line in widget.poll().get_json()["lines"]] == ["citizen", "desk"]


def test_a_retried_post_is_taken_in_once(app: Flask, widget: Widget, agent: Any) -> None:
    widget.start()
    message_id = str(uuid.uuid4())
    first = widget.say("Hei", message_id).get_json()
    again = widget.say("Hei", message_id).get_json()
    assert again["duplicate"] and again["seq"] == first["seq"] == 1
    assert count(Message) == 1 and count(ChatLine) == 1


def test_the_answer_is_sent_at_once_by_the_web_process(app: Flask, client: Any, auth: Any,
                                                      widget: Widget, agent: Any) -> None:
    from tests.conftest import csrf_token

    widget.start()
    widget.say("Hei")
    inquiry = only_inquiry()
    auth.login("kari")
    token = csrf_token(client.get(f"/inquiries/{inquiry.id}").get_data(as_text=True))
    response = client.post(f"/inquiries/{inquiry.id}/chat/reply", data={"text": "Hei på deg"},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 201 and response.get_json()["sent"]
    assert dispatch_due("test-worker").sent == []  # nothing left for the worker
    lines = client.get(f"/inquiries/{inquiry.id}/chat.json?after=0&wait=0").get_json()["lines"]
    assert [line["text"] for line in lines] == ["Hei", "Hei på deg"]


def test_unknown_or_expired_token_is_401_and_nothing_is_stored(app: Flask, widget: Widget,
                                                              agent: Any) -> None:
    assert widget.say("Hei").status_code == 401
    widget.token = "not-a-token"
    assert widget.say("Hei").status_code == 401
    assert widget.poll().status_code == 401
    widget.start()
    db.session.execute(update(ChatSession).values(active_at=utcnow() - timedelta(days=2)))
    db.session.commit()
    assert widget.say("Hei").status_code == 401
    assert count(Message) == 0


def test_a_foreign_origin_is_403(app: Flask, client: Any, agent: Any) -> None:
    evil = Widget(client, origin="https://evil.example")
    assert evil.start().status_code == 403
    assert evil.status().status_code == 403
    assert count(ChatSession) == 0
    # The desk's own chat page is same-origin; a call with no Origin is no browser's.
    assert Widget(client, origin="http://localhost").start().status_code == 201


def test_cors_preflight_names_the_allowed_site(app: Flask, client: Any) -> None:
    response = client.options("/chat/chat/api/messages", headers={
        "Origin": SITE, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == SITE
    assert "Authorization" in response.headers["Access-Control-Allow-Headers"]
    refused = client.options("/chat/chat/api/messages", headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403 and "Access-Control-Allow-Origin" not in refused.headers


@pytest.mark.parametrize("body, wanted", [
    (b"{not json", "not valid JSON"),
    (b"[1, 2]", "JSON object"),
    (b'{"id": "abc", "text": "Hei"}', "UUID"),
    (b'{"id": "6f1c2d9e-8a4b-4c3d-9e2f-1a2b3c4d5e6f", "text": 5}', "'text' must be a string"),
    (b'{"id": "6f1c2d9e-8a4b-4c3d-9e2f-1a2b3c4d5e6f", "text": "  "}', "empty"),
])
def test_malformed_messages_are_400_with_the_reason(app: Flask, widget: Widget, agent: Any,
                                                    body: bytes, wanted: str) -> None:
    widget.start()
    response = widget.post("messages", data=body, content_type="application/json")
    assert response.status_code == 400 and wanted in response.get_json()["error"]
    assert count(Message) == 0


def test_wrong_types_at_the_start_are_400(app: Flask, widget: Widget) -> None:
    assert widget.start(name=["Ola"]).status_code == 400
    assert widget.start(email="ikke en adresse").status_code == 400
    assert count(ChatSession) == 0


def test_a_message_too_long_is_413(app: Flask, widget: Widget, agent: Any) -> None:
    widget.start()
    assert widget.say("x" * 4001).status_code == 413
    assert widget.post("messages", data=b"x" * 100_000,
                       content_type="application/json").status_code == 413
    assert count(Message) == 0


def test_a_flood_is_429_and_not_stored(app: Flask, widget: Widget, agent: Any) -> None:
    widget.start()
    codes = [widget.say(f"Melding {n}").status_code for n in range(8)]
    assert codes == [201] * 5 + [429] * 3
    assert count(Message) == 5


def test_too_many_chats_from_one_address_is_429(app: Flask, client: Any) -> None:
    codes = [Widget(client).start().status_code for _ in range(32)]
    assert codes.count(201) == 30 and codes[-1] == 429


def test_html_is_kept_and_shown_as_inert_text(app: Flask, client: Any, auth: Any,
                                             widget: Widget, agent: Any) -> None:
    widget.start(name="<img src=x onerror=alert(1)>")
    script = "<script>alert('hei')</script> <b>fet</b>"
    widget.say(script)
    assert widget.poll().get_json()["lines"][0]["text"] == script
    message = db.session.scalars(select(Message)).one()
    assert message.text == script and message.html is None
    auth.login("kari")
    page = client.get(f"/inquiries/{message.inquiry_id}").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;alert(" in page
    assert "<img src=x" not in page


def test_a_picture_is_stored_and_other_files_refused(app: Flask, widget: Widget,
                                                     agent: Any) -> None:
    from io import BytesIO

    widget.start()
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
    ok = widget.post("files", data={"id": str(uuid.uuid4()), "text": "Bilde av skiltet",
                                    "file": (BytesIO(png), "<img src=x onerror=alert(1)>.png")},
                     content_type="multipart/form-data")
    assert ok.status_code == 201
    attachment = db.session.scalars(select(MessageAttachment)).one()
    assert attachment.filename == "<img src=x onerror=alert(1)>.png"
    assert attachment.content_type == "image/png"
    exe = widget.post("files", data={"id": str(uuid.uuid4()),
                                     "file": (BytesIO(b"MZ\x90\0" * 10), "virus.png")},
                      content_type="multipart/form-data")
    assert exe.status_code == 415
    line = widget.poll().get_json()["lines"][0]
    assert line["files"] == [{"name": "<img src=x onerror=alert(1)>.png",
                              "size": len(png)}]


def test_nobody_available_offers_to_leave_a_message(app: Flask, widget: Widget) -> None:
    status = widget.status().get_json()
    assert (status["mode"], status["reason"]) == ("message", "busy")


@pytest.mark.parametrize("config_overrides", [{
    "channels": [{"name": "post", "kind": "email", "connector": "log", "path": "outbox.log",
                  "address": "post@kommune.example"},
                 {"name": "chat", "kind": "webchat", "allowed_origins": [SITE]}],
    "opening_hours": {day: "" for day in ("monday", "tuesday", "wednesday", "thursday",
                                          "friday")},
}])
def test_out_of_hours_a_left_message_becomes_an_inquiry_with_a_receipt(
        app: Flask, widget: Widget, agent: Any) -> None:
    status = widget.status(lang="nn").get_json()
    assert (status["mode"], status["reason"]) == ("message", "closed")
    widget.start()
    left = widget.post("leave", json={"id": str(uuid.uuid4()), "text": "Kan de ringje meg?",
                                      "name": "Kari", "email": "Kari@Example.no"})
    assert left.status_code == 201
    body = left.get_json()
    inquiry = only_inquiry()
    assert body["reference"] == inquiry.reference and inquiry.reference in body["receipt"]
    receipt = db.session.scalars(select(Message).where(
        Message.direction == Direction.OUTBOUND)).one()
    assert receipt.automatic and receipt.address == "kari@example.no"
    assert receipt.channel.name == "post"
    assert count(Event, Event.kind == EventKind.RECEIPT_QUEUED) == 1
    # The answer can go by e-mail: the contact has the address.
    assert "kari@example.no" in {i.value for i in inquiry.contact.identities}
    without = widget.post("leave", json={"id": str(uuid.uuid4()), "text": "Hei"})
    assert without.status_code == 400


def test_the_receipt_states_the_answer_time_of_the_sla_calendar(app: Flask, widget: Widget,
                                                                make_user: Any) -> None:
    from datetime import UTC, datetime

    from connectors.webchat import Said
    from desk.admin.schedule import Targets, set_sla_targets
    from desk.channels import channel_by_name
    from desk.models import Priority
    from desk.webchat import conversation, sessions

    admin = make_user("admin", "admin")
    set_sla_targets(admin, channel_by_name("chat").id, {Priority.NORMAL: Targets(60, 450)})
    settings = sessions.settings_for("chat")
    saturday = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)
    _, chat = sessions.start(settings, sessions_start(), "127.0.0.1", saturday)
    left = conversation.leave_message(settings, chat, Said(str(uuid.uuid4()), "Hei"), "Kari",
                                      "kari@example.no", saturday)
    # Monday 9 March, 08:00 Oslo (07:00 UTC), plus an hour of opening hours.
    assert left.due_at == datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
    assert "9. mars 2026" in left.receipt and "09:00" in left.receipt


def sessions_start() -> Any:
    from connectors.webchat import Start

    return Start(name="Kari", email=None, language="nb")


def test_an_idle_chat_ends_with_an_event_and_a_later_message_continues_it(
        app: Flask, widget: Widget, agent: Any) -> None:
    from desk.drivers import driver_for
    from desk.webchat.conversation import end_idle
    from desk.webchat.sessions import settings_for

    settings = settings_for("chat")
    widget.start()
    widget.say("Hei")
    inquiry = only_inquiry()
    later = utcnow() + timedelta(minutes=settings.idle_minutes + 1)
    # The citizen waits for an answer: not idle, whatever the clock says.
    assert end_idle(settings, later) == 0
    workflow.reply(agent, inquiry.id, "Hva lurer du på?")
    dispatch_due("test-worker")
    # The worker's job, through the driver.
    from desk.config import current_config

    cfg = current_config().channel("chat")
    assert driver_for("webchat").upkeep(cfg, current_config(), later) == 1
    assert count(Event, Event.kind == EventKind.CHAT_ENDED) == 1
    assert db.session.scalars(select(ChatSession)).one().ended_at is not None

    assert widget.say("Åpningstidene").status_code == 201
    assert count(Inquiry) == 1
    assert db.session.scalars(select(ChatSession)).one().ended_at is None


def test_a_message_after_the_inquiry_was_closed_follows_reply_to_closed(
        app: Flask, widget: Widget, agent: Any) -> None:
    widget.start()
    widget.say("Hei")
    first = only_inquiry()
    db.session.execute(update(Inquiry).values(status=Status.CLOSED))
    db.session.commit()
    widget.say("Hei igjen")
    newest = db.session.scalars(select(Inquiry).order_by(Inquiry.id.desc())).first()
    assert newest.id != first.id and newest.linked_to_id == first.id  # reply_to_closed = "new"


def test_a_retried_chat_answer_with_the_same_key_is_sent_once(
        app: Flask, client: Any, auth: Any, widget: Widget, agent: Any) -> None:
    from tests.conftest import csrf_token

    widget.start()
    widget.say("Hei")
    inquiry = only_inquiry()
    auth.login("kari")
    token = csrf_token(client.get(f"/inquiries/{inquiry.id}").get_data(as_text=True))
    url = f"/inquiries/{inquiry.id}/chat/reply"
    key = str(uuid.uuid4())

    def send(text: str, with_key: str) -> Any:
        return client.post(url, data={"text": text, "key": with_key},
                           headers={"X-CSRFToken": token})

    first = send("Hei på deg", key)
    assert first.status_code == 201 and first.get_json()["duplicate"] is False
    again = send("Hei på deg", key)  # Send pressed again: the first answer, nothing new
    assert again.status_code == 200
    assert again.get_json() == {"message_id": first.get_json()["message_id"], "sent": True,
                                "duplicate": True}
    outbound = select(func.count(Message.id)).where(Message.direction == Direction.OUTBOUND)
    assert db.session.scalar(outbound) == 1
    replied = select(func.count(Event.id)).where(Event.kind == EventKind.REPLIED)
    assert db.session.scalar(replied) == 1
    assert count(ChatLine) == 2 and dispatch_due("test-worker").sent == []
    assert [line["text"] for line in widget.poll().get_json()["lines"]] == ["Hei", "Hei på deg"]

    # A cleared box has a new key: a new answer. A key that is not a UUID is refused.
    assert send("Noe mer?", str(uuid.uuid4())).status_code == 201
    assert send("Noe mer?", "not-a-key").status_code == 400
    assert db.session.scalar(outbound) == 2


def test_the_same_key_on_another_inquiry_is_another_answer(
        app: Flask, client: Any, auth: Any, agent: Any) -> None:
    from tests.conftest import csrf_token

    inquiries = []
    for _ in range(2):
        widget = Widget(client)
        widget.start()
        widget.say("Hei")
        inquiries.append(db.session.scalars(select(Inquiry).order_by(Inquiry.id.desc())).first())
    auth.login("kari")
    key = str(uuid.uuid4())
    for inquiry in inquiries:
        token = csrf_token(client.get(f"/inquiries/{inquiry.id}").get_data(as_text=True))
        response = client.post(f"/inquiries/{inquiry.id}/chat/reply",
                               data={"text": "Hei", "key": key},
                               headers={"X-CSRFToken": token})
        assert response.status_code == 201
    assert db.session.scalar(select(func.count(Message.id)).where(
        Message.direction == Direction.OUTBOUND)) == 2
