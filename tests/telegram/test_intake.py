"""Taking in Telegram updates by getUpdates: every kind of message, files, edits,
updates that are not messages, unreadable ones, and /start."""

from typing import Any

from flask import Flask
from sqlalchemy import func, select

from desk.attachments import store
from desk.extensions import db
from desk.models import (
    Channel,
    ContactIdentity,
    Direction,
    IdentityKind,
    Inquiry,
    Message,
    MessageAttachment,
    OutboxItem,
    QuarantineItem,
    QuarantineState,
)
from tests.botapi import CITIZEN, BotApiServer, edited_update, message, text_update
from tests.telegram.conftest import pull


def inbound(**where: Any) -> list[Message]:
    return list(db.session.scalars(select(Message).where(
        Message.direction == Direction.INBOUND, *[getattr(Message, k) == v
                                                  for k, v in where.items()])
        .order_by(Message.id)))


def offset(name: str = "tg") -> Any:
    cursor = db.session.scalar(select(Channel.cursor).where(Channel.name == name))
    db.session.rollback()
    return (cursor or {}).get("offset")


def test_a_text_message_opens_an_inquiry_for_the_telegram_user(
        app: Flask, botapi: BotApiServer) -> None:
    update = botapi.queue_update(text_update(botapi, "Hei, når blir søppelet hentet?"))
    report = pull(app)
    assert report.error is None and report.outcomes == {"created": 1}
    [msg] = inbound()
    chat = CITIZEN["id"]
    assert msg.external_id == f"{chat}:{update['message']['message_id']}"
    assert msg.text == "Hei, når blir søppelet hentet?"
    assert msg.sender_name == "Kari Nordmann (@kari_n)"
    inquiry = db.session.get(Inquiry, msg.inquiry_id)
    assert inquiry.conversation_key == str(chat)
    identity = db.session.scalar(select(ContactIdentity).where(
        ContactIdentity.contact_id == inquiry.contact_id))
    assert (identity.kind, identity.value) == (IdentityKind.TELEGRAM, str(chat))
    # The offset moved past the update: Telegram forgets it on the next call.
    assert offset() == update["update_id"] + 1
    assert pull(app).outcomes == {}
    assert botapi.pending_updates == []
    # The receipt waits in the outbox.
    assert db.session.scalar(select(func.count(OutboxItem.id))) == 1


def test_the_next_message_of_the_chat_joins_the_open_inquiry(
        app: Flask, botapi: BotApiServer) -> None:
    botapi.queue_update(text_update(botapi, "Første melding"))
    botapi.queue_update(text_update(botapi, "Og en til"))
    assert pull(app).outcomes == {"created": 1, "threaded": 1}
    first, second = inbound()
    assert first.inquiry_id == second.inquiry_id


def test_photo_document_and_caption_are_stored_as_attachments(
        app: Flask, botapi: BotApiServer) -> None:
    small = botapi.add_file(b"small-jpeg", "photos/small.jpg")
    large = botapi.add_file(b"the-large-jpeg-bytes", "photos/large.jpg")
    pdf = botapi.add_file(b"%PDF-1.7 skjema", "documents/soknad.pdf")
    botapi.queue_update({"message": message(botapi, caption="Bilde av hullet i veien", photo=[
        {"file_id": small, "file_unique_id": "s", "width": 90, "height": 60, "file_size": 10},
        {"file_id": large, "file_unique_id": "l", "width": 1280, "height": 853,
         "file_size": 20}])})
    botapi.queue_update({"message": message(botapi, caption="Søknaden", document={
        "file_id": pdf, "file_unique_id": "d", "file_name": "søknad.pdf",
        "mime_type": "application/pdf", "file_size": 15})})
    assert pull(app).error is None
    photo_msg, doc_msg = inbound()
    assert photo_msg.text == "Bilde av hullet i veien"
    [photo] = photo_msg.attachments
    assert (photo.content_type, store().read(photo.sha256)) == ("image/jpeg",
                                                                 b"the-large-jpeg-bytes")
    [doc] = doc_msg.attachments
    assert (doc.filename, doc.content_type) == ("søknad.pdf", "application/pdf")
    assert store().read(doc.sha256) == b"%PDF-1.7 skjema"
    assert [c["file_id"] for c in botapi.calls("getFile")] == [large, pdf]


def test_voice_video_note_sticker_location_and_contact_read_as_lines(
        app: Flask, botapi: BotApiServer) -> None:
    voice = botapi.add_file(b"OggS-voice", "voice/file_1.oga")
    note = botapi.add_file(b"mp4-round", "video_notes/file_2.mp4")
    sticker = botapi.add_file(b"RIFF-webp", "stickers/file_3.webp")
    botapi.queue_update({"message": message(botapi, voice={
        "file_id": voice, "file_unique_id": "v", "duration": 7, "mime_type": "audio/ogg"})})
    botapi.queue_update({"message": message(botapi, video_note={
        "file_id": note, "file_unique_id": "n", "length": 240, "duration": 4})})
    botapi.queue_update({"message": message(botapi, sticker={
        "file_id": sticker, "file_unique_id": "st", "type": "regular", "width": 512,
        "height": 512, "is_animated": False, "is_video": False, "emoji": "👍"})})
    botapi.queue_update({"message": message(botapi, location={
        "latitude": 59.91, "longitude": 10.75})})
    botapi.queue_update({"message": message(botapi, contact={
        "phone_number": "+4799887766", "first_name": "Ola", "last_name": "Nordmann"})})
    assert pull(app).error is None
    texts = [(m.text, [(a.filename, a.content_type) for a in m.attachments]) for m in inbound()]
    assert texts == [
        ("Voice message (7 s)", [(texts[0][1][0][0], "audio/ogg")]),
        ("Video message (4 s)", [(texts[1][1][0][0], "video/mp4")]),
        ("Sticker 👍", [(texts[2][1][0][0], "image/webp")]),
        ("Location: 59.91, 10.75", []),
        ("Contact: Ola Nordmann, +4799887766", []),
    ]
    assert texts[0][1][0][0].endswith(".ogg") and texts[2][1][0][0].endswith(".webp")


def test_an_edit_is_a_new_message_on_the_same_inquiry_marked_as_edit(
        app: Flask, botapi: BotApiServer) -> None:
    original = botapi.queue_update(text_update(botapi, "Jeg bor i Storgata 1"))
    edit = botapi.queue_update(edited_update(original, "Jeg bor i Storgata 11", 1_800_000_000))
    assert pull(app).outcomes == {"created": 1, "threaded": 1}
    first, second = inbound()
    assert second.inquiry_id == first.inquiry_id
    assert second.external_id == f"{first.external_id}:edit:1800000000"
    assert second.text == "Jeg bor i Storgata 11"
    assert "edited an earlier message" in second.intake_notes
    # The same edit delivered again is a duplicate.
    botapi.queue_update({**edit, "update_id": edit["update_id"] + 50})
    assert pull(app).outcomes == {"duplicate": 1}


def test_updates_that_are_not_messages_are_acknowledged_and_not_stored(
        app: Flask, botapi: BotApiServer) -> None:
    botapi.queue_update({"my_chat_member": {
        "chat": {"id": 7001, "type": "private"}, "from": CITIZEN, "date": 1,
        "old_chat_member": {"status": "member", "user": CITIZEN},
        "new_chat_member": {"status": "kicked", "user": CITIZEN, "until_date": 0}}})
    botapi.queue_update({"callback_query": {"id": "1", "from": CITIZEN,
                                            "chat_instance": "x", "data": "yes"}})
    last = botapi.queue_update({"channel_post": {
        "message_id": 5, "date": 1, "chat": {"id": -100, "type": "channel"}, "text": "news"}})
    assert pull(app).outcomes == {"ignored": 3}
    assert inbound() == [] and db.session.scalar(select(func.count(QuarantineItem.id))) == 0
    assert offset() == last["update_id"] + 1


def test_an_unreadable_update_is_quarantined_and_does_not_block_the_offset(
        app: Flask, botapi: BotApiServer) -> None:
    bad = botapi.queue_update({"message": "this is not a message"})
    good = botapi.queue_update(text_update(botapi, "Hei"))
    assert pull(app).outcomes == {"quarantined": 1, "created": 1}
    [held] = db.session.scalars(select(QuarantineItem))
    assert held.state is QuarantineState.HELD
    assert held.reason.startswith("unreadable Telegram update")
    assert held.source_id == f"update:{bad['update_id']}"
    assert offset() == good["update_id"] + 1


def test_replay_of_a_quarantined_update_takes_it_in_with_its_files(
        app: Flask, botapi: BotApiServer) -> None:
    from connectors.telegram.api import update_bytes
    from desk import quarantine
    from desk.channels import channel_by_name

    photo = botapi.add_file(b"jpeg", "photos/p.jpg")
    update = {"update_id": 77, "message": message(botapi, caption="Se her", photo=[
        {"file_id": photo, "file_unique_id": "p", "width": 10, "height": 10}])}
    channel_id = channel_by_name("tg").id
    db.session.rollback()
    item_id = quarantine.hold(channel_id, update_bytes(update), "ingest failed: a bug", "u77")
    result = quarantine.replay(item_id)
    assert result.outcome.value == "created"
    [msg] = inbound()
    assert msg.text == "Se her"
    assert [store().read(a.sha256) for a in msg.attachments] == [b"jpeg"]
    assert db.session.get(QuarantineItem, item_id).state is QuarantineState.REPLAYED


def test_replay_of_an_update_that_is_still_unreadable_keeps_it_held(
        app: Flask, botapi: BotApiServer) -> None:
    import pytest

    from desk import quarantine
    from desk.channels import channel_by_name
    from desk.errors import ServiceError

    channel_id = channel_by_name("tg").id
    db.session.rollback()
    item_id = quarantine.hold(channel_id, b'{"update_id": 1, "message": 5}', "unreadable")
    with pytest.raises(ServiceError):
        quarantine.replay(item_id)
    item = db.session.get(QuarantineItem, item_id)
    assert item.state is QuarantineState.HELD and item.reason.startswith("replay failed")


def test_a_file_telegram_will_not_hand_out_is_noted_not_fatal(
        app: Flask, botapi: BotApiServer) -> None:
    botapi.queue_update({"message": message(botapi, caption="Stor video", document={
        "file_id": "GONE", "file_unique_id": "g", "file_name": "video.mov"})})
    assert pull(app).outcomes == {"created": 1}
    [msg] = inbound()
    assert msg.attachments == [] and "could not be downloaded" in msg.intake_notes


def test_group_chats_are_not_taken_in(app: Flask, botapi: BotApiServer) -> None:
    botapi.queue_update({"message": {"message_id": 1, "date": 1, "from": CITIZEN,
                                     "chat": {"id": -5, "type": "group", "title": "Nabolag"},
                                     "text": "hei alle"}})
    assert pull(app).outcomes == {"ignored": 1}
    assert db.session.scalar(select(func.count(MessageAttachment.id))) == 0
    assert inbound() == []
