"""The Page's webhook: verification, signatures, and every kind of event taken in once."""

from __future__ import annotations

import json
import time

from sqlalchemy import func, select, text

from desk.extensions import db
from desk.models import (
    Contact,
    ContactIdentity,
    IdentityKind,
    Inquiry,
    Message,
    QuarantineItem,
)
from desk.models import (
    MessageAttachment as Attachment,
)
from tests.facebook.conftest import HOOK, PAGE, VERIFY, delivery, message


def count(model) -> int:
    value = db.session.scalar(select(func.count()).select_from(model))
    db.session.rollback()
    return int(value or 0)


def test_verification_answers_the_challenge_only_with_our_token(client) -> None:
    ok = client.get(f"{HOOK}?hub.mode=subscribe&hub.verify_token={VERIFY}&hub.challenge=123abc")
    assert ok.status_code == 200 and ok.get_data(as_text=True) == "123abc"
    wrong = client.get(f"{HOOK}?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1")
    assert wrong.status_code == 403
    mode = client.get(f"{HOOK}?hub.mode=unsubscribe&hub.verify_token={VERIFY}&hub.challenge=1")
    assert mode.status_code == 403
    assert client.get("/hooks/facebook/post?hub.mode=subscribe").status_code == 404


def test_bad_or_missing_signature_is_refused_and_nothing_is_stored(hook) -> None:
    payload = delivery(message(text="hemmelig"))
    assert hook.post(payload, secret="another-secret").status_code == 403
    assert hook.post(payload, secret=None).status_code == 403
    assert hook.post(payload, signature="sha1=abc").status_code == 403
    # The right signature of other bytes: the body was changed on the way.
    body = json.dumps(payload).encode()
    from connectors.facebook.webhook import sign

    forged = sign(body + b" ", "app-secret-for-tests")
    assert hook.post(body, signature=forged).status_code == 403
    assert count(Message) == 0 and count(QuarantineItem) == 0 and count(Inquiry) == 0


def test_text_message_opens_an_inquiry_with_the_profile_name(app, hook, graph) -> None:
    graph.profiles["7001"] = {"first_name": "Ola", "last_name": "Nordmann"}
    response = hook.post(delivery(message(psid="7001", text="Når tømmes søppelet?",
                                          mid="m_one")))
    # Answered only after the commit: a fresh session sees the message now.
    assert response.status_code == 200
    stored = db.session.scalar(select(Message).where(Message.external_id == "m_one"))
    assert stored is not None and stored.text == "Når tømmes søppelet?"
    inquiry = db.session.get(Inquiry, stored.inquiry_id)
    assert inquiry.conversation_key == "7001" and not inquiry.public
    assert inquiry.contact.display_name == "Ola Nordmann"
    assert [(i.kind, i.value) for i in inquiry.contact.identities] == [
        (IdentityKind.FACEBOOK, "7001")]
    # The next message of the same person threads into the inquiry; no second profile call.
    hook.post(delivery(message(psid="7001", text="Hallo?", mid="m_two")))
    second = db.session.scalar(select(Message).where(Message.external_id == "m_two"))
    assert second.inquiry_id == inquiry.id
    assert sum(1 for c in graph.calls if c.path == "7001") == 1


def test_profile_refused_means_no_name(app, hook, graph) -> None:
    graph.fail(r"GET 7002$", status=400, code=230, message="Requires pages_messaging")
    assert hook.post(delivery(message(psid="7002", mid="m_noname"))).status_code == 200
    stored = db.session.scalar(select(Message).where(Message.external_id == "m_noname"))
    assert stored is not None and stored.sender_name == ""


def test_repeated_delivery_is_a_duplicate(app, hook) -> None:
    payload = delivery(message(psid="7003", mid="m_again", text="En gang"))
    assert hook.post(payload).status_code == 200
    assert hook.post(payload).status_code == 200
    assert count(Message) == 2  # the citizen's message and its receipt, once each
    assert db.session.scalar(select(func.count()).select_from(Message).where(
        Message.external_id == "m_again")) == 1
    assert count(QuarantineItem) == 0


def test_attachments_are_fetched_at_once_and_stored(app, hook, graph) -> None:
    photo = b"\x89PNG\r\n\x1a\n" + b"x" * 100
    url = graph.file_url("skilt.png", photo, "image/png")
    hook.post(delivery(message(psid="7004", mid="m_photo", text="Se her",
                               attachments=[{"type": "image", "payload": {"url": url}}])))
    stored = db.session.scalar(select(Message).where(Message.external_id == "m_photo"))
    files = db.session.scalars(select(Attachment).where(Attachment.message_id == stored.id)).all()
    assert [(f.content_type, f.size) for f in files] == [("image/png", len(photo))]
    from desk.attachments import store

    assert store().read(files[0].sha256) == photo


def test_a_file_that_cannot_be_fetched_keeps_the_message_with_a_note(app, hook, graph) -> None:
    gone = f"{graph.url}/files/expired.jpg"
    hook.post(delivery(message(psid="7005", mid="m_gone", text="Bilde av hullet",
                               attachments=[{"type": "image", "payload": {"url": gone}}])))
    stored = db.session.scalar(select(Message).where(Message.external_id == "m_gone"))
    assert stored.text == "Bilde av hullet"
    assert "could not be fetched from Facebook" in (stored.intake_notes or "")


def test_quick_reply_and_postback_arrive_as_text(app, hook) -> None:
    quick = message(psid="7006", mid="m_quick", text="Avfall",
                    quick_reply={"payload": "TOPIC_WASTE"})
    postback = {"sender": {"id": "7006"}, "recipient": {"id": PAGE},
                "timestamp": int(time.time() * 1000),
                "postback": {"mid": "m_postback", "title": "Snakk med oss",
                             "payload": "TALK"}}
    assert hook.post(delivery(quick, postback)).status_code == 200
    texts = dict(db.session.execute(select(Message.external_id, Message.text).where(
        Message.external_id.in_(["m_quick", "m_postback"]))).all())
    assert texts == {"m_quick": "Avfall", "m_postback": "Snakk med oss"}


def test_echo_delivery_and_read_are_ignored_without_error(app, hook) -> None:
    now = int(time.time() * 1000)
    echo = message(psid=PAGE, mid="m_echo", text="Vårt eget svar", is_echo=True)
    delivered = {"sender": {"id": "7007"}, "recipient": {"id": PAGE}, "timestamp": now,
                 "delivery": {"mids": ["m_x"], "watermark": now}}
    read = {"sender": {"id": "7007"}, "recipient": {"id": PAGE}, "timestamp": now,
            "read": {"watermark": now}}
    assert hook.post(delivery(echo, delivered, read)).status_code == 200
    assert count(Message) == 0 and count(QuarantineItem) == 0


def test_malformed_json_with_a_valid_signature_is_kept_in_quarantine(app, hook) -> None:
    assert hook.post(b'{"object": "page", "entry": [').status_code == 200
    item = db.session.scalar(select(QuarantineItem))
    assert item is not None and "not JSON" in item.reason
    assert item.raw == b'{"object": "page", "entry": ['


def test_a_database_failure_answers_500_and_the_redelivery_is_taken(app, hook) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False
    payload = delivery(message(psid="7008", mid="m_later", text="Prøver igjen"))
    with db.engine.begin() as connection:
        connection.execute(text("ALTER TABLE messages RENAME TO messages_away"))
    try:
        assert hook.post(payload).status_code == 500
    finally:
        db.session.remove()
        with db.engine.begin() as connection:
            connection.execute(text("ALTER TABLE messages_away RENAME TO messages"))
    assert count(Message) == 0
    assert hook.post(payload).status_code == 200  # Facebook delivers again
    assert db.session.scalar(select(func.count()).select_from(Message).where(
        Message.external_id == "m_later")) == 1


def test_a_quarantined_event_can_be_replayed(app, graph) -> None:
    from connectors.facebook.webhook import parse_delivery
    from desk.channels import channel_by_name
    from desk.quarantine import hold, replay

    event = parse_delivery(json.dumps(delivery(message(psid="7009", mid="m_replayed",
                                                       text="Igjen"))).encode(), PAGE)[0]
    item_id = hold(channel_by_name("fb").id, event.raw, "ingest failed: test")
    result = replay(item_id)
    assert result.outcome.value == "created"
    stored = db.session.scalar(select(Message).where(Message.external_id == "m_replayed"))
    assert stored is not None and stored.text == "Igjen"
    contact = db.session.get(Contact, stored.contact_id)
    assert db.session.scalar(select(ContactIdentity.value).where(
        ContactIdentity.contact_id == contact.id)) == "7009"
