"""Nothing lost: reused ids, what the guards decline, and values one database refuses."""

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from desk import quarantine
from desk.extensions import db
from desk.ingest import Outcome, ingest
from desk.models import Message, QuarantineItem, QuarantineState, Verdict, utcnow
from desk.normalise import MAX_ID, bounded_id
from desk.quarantine import take_in
from tests.conftest import inbound


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def post_id() -> int:
    from desk.channels import channel_by_name

    return channel_by_name("post").id


# -- a Message-ID used by more than one mail ------------------------------------------


def test_a_different_mail_under_a_known_id_is_kept_under_its_own_id(app: Flask) -> None:
    first = ingest(inbound(external_id="skjema@kommune.example", fingerprint="a" * 64,
                           subject="Søknad 1"))
    second = ingest(inbound(external_id="skjema@kommune.example", fingerprint="b" * 64,
                            subject="Søknad 2", sender_address="kari@example.no"))

    assert first.outcome is Outcome.CREATED and second.outcome is Outcome.CREATED
    assert second.inquiry_id != first.inquiry_id
    kept = db.session.get(Message, second.message_id)
    assert kept.external_id == "skjema@kommune.example#" + "b" * 16
    assert "reuses ids" in kept.intake_notes
    # Fetched again, either mail is the duplicate it is, not a third message.
    assert ingest(inbound(external_id="skjema@kommune.example", fingerprint="b" * 64,
                          subject="Søknad 2")).outcome is Outcome.DUPLICATE
    assert ingest(inbound(external_id="skjema@kommune.example", fingerprint="a" * 64,
                          subject="Søknad 1")).outcome is Outcome.DUPLICATE
    assert count(Message, Message.direction == "inbound") == 2


def test_the_same_id_and_fingerprint_is_a_duplicate(app: Flask) -> None:
    ingest(inbound(external_id="same@example.no", fingerprint="c" * 64))
    again = ingest(inbound(external_id="same@example.no", fingerprint="c" * 64))
    assert (again.outcome, again.reason) == (Outcome.DUPLICATE, "already taken in")


# -- what the guards decline is kept ----------------------------------------------------


def test_a_dropped_mail_is_kept_with_its_reason_and_can_be_replayed(app: Flask) -> None:
    from desk.quarantine import replay

    raw = b"From: post@kommune.example\r\nSubject: loop\r\nMessage-ID: <l1@x.no>\r\n\r\nhei\r\n"
    message = inbound(sender_address="post@kommune.example", raw=raw)

    taken = take_in(message, channel_id=post_id(), raw=raw, error=None, source_id="1:7")

    assert taken.outcome == "dropped" and taken.quarantine_id is not None
    item = db.session.get(QuarantineItem, taken.quarantine_id)
    assert item.state is QuarantineState.DROPPED and item.raw == raw
    assert item.reason == "sent from one of our own channel addresses"
    assert quarantine.held() == []  # not among the items waiting to be fixed
    listed = quarantine.held(states=quarantine.OPEN_STATES)
    assert [i.id for i in listed] == [item.id]
    assert quarantine.counts_by_channel() == {post_id(): {QuarantineState.DROPPED: 1}}

    result = replay(item.id)  # the admin overrules the guard
    assert result.outcome is Outcome.CREATED and not result.receipt_queued
    assert db.session.get(Message, result.message_id).verdict is Verdict.NO_RECEIPT
    db.session.expire_all()
    assert db.session.get(QuarantineItem, item.id).state is QuarantineState.REPLAYED


def test_a_second_copy_with_other_bytes_is_kept_an_exact_refetch_is_not(app: Flask) -> None:
    raw = b"From: ola@example.no\r\nMessage-ID: <d1@example.no>\r\n\r\nhei\r\n"
    other_route = b"Received: from relay2\r\n" + raw
    take_in(inbound(external_id="d1@example.no", raw=raw), channel_id=post_id(), raw=raw,
            error=None, source_id="1:1")

    refetch = take_in(inbound(external_id="d1@example.no", raw=raw), channel_id=post_id(),
                      raw=raw, error=None, source_id="1:1")
    copy = take_in(inbound(external_id="d1@example.no", raw=other_route), channel_id=post_id(),
                   raw=other_route, error=None, source_id="1:2")

    assert refetch.outcome == "duplicate" and refetch.quarantine_id is None
    assert copy.outcome == "duplicate" and copy.quarantine_id is not None
    item = db.session.get(QuarantineItem, copy.quarantine_id)
    assert item.raw == other_route and "another copy of message" in item.reason


def test_quarantine_list_all_shows_dropped_items(app: Flask) -> None:
    from desk.cli import main

    raw = b"From: post@kommune.example\r\n\r\nhei\r\n"
    take_in(inbound(sender_address="post@kommune.example", raw=raw), channel_id=post_id(),
            raw=raw, error=None, source_id=None)
    runner = app.test_cli_runner()

    assert runner.invoke(main, ["quarantine", "list"]).output == ""
    output = runner.invoke(main, ["quarantine", "list", "--all"]).output
    assert "dropped" in output and "sent from one of our own channel addresses" in output


def test_expired_dropped_items_are_purged_held_ones_stay(app: Flask) -> None:
    old = utcnow() - timedelta(days=31)
    dropped = quarantine.hold(post_id(), b"x", "our own message came back", now=old,
                              state=QuarantineState.DROPPED)
    held = quarantine.hold(post_id(), b"y", "no header block", now=old)
    recent = quarantine.hold(post_id(), b"z", "our own message came back",
                             state=QuarantineState.DROPPED)

    assert quarantine.purge_expired() == 1
    assert db.session.get(QuarantineItem, dropped) is None
    assert db.session.get(QuarantineItem, held) is not None
    assert db.session.get(QuarantineItem, recent) is not None


# -- the same mail on both databases ----------------------------------------------------


def test_nul_bytes_and_control_characters_are_stored_without_them(app: Flask) -> None:
    result = ingest(inbound(subject="Sak\x00 om\x1b vei", text="Linje 1\x00\nLinje\t2\x07",
                            sender_name="Ola\x00 N", html="<p>hei\x00</p>"))
    message = db.session.get(Message, result.message_id)
    assert message.subject == "Sak om vei"
    assert message.text == "Linje 1\nLinje\t2"
    assert message.sender_name == "Ola N" and message.html == "<p>hei</p>"


def test_an_over_long_message_id_is_stored_bounded_and_still_dedupes(app: Flask) -> None:
    long_id = "x" * 2000 + "@example.no"
    first = ingest(inbound(external_id=long_id))
    again = ingest(inbound(external_id=long_id))

    assert first.outcome is Outcome.CREATED and again.outcome is Outcome.DUPLICATE
    stored = db.session.get(Message, first.message_id)
    assert stored.external_id == bounded_id(long_id) and len(stored.external_id) <= MAX_ID
    assert "too long" in stored.intake_notes
    other = ingest(inbound(external_id="x" * 2000 + "@example.org"))
    assert other.outcome is Outcome.CREATED  # a different long id stays different


@pytest.mark.parametrize("value", ["\ud800broken", "ok\udcff"])
def test_undecodable_surrogates_are_replaced(app: Flask, value: str) -> None:
    result = ingest(inbound(subject=value, text=value))
    message = db.session.get(Message, result.message_id)
    assert "\ufffd" in message.subject and "\ufffd" in message.text


# -- every command finds the channels; imported mail can be answered -------------------


IMPORTED = (b"From: Kari Nordmann <kari@example.no>\r\nTo: Postmottak <post@kommune.example>\r\n"
            b"Subject: Gammel sak\r\nMessage-ID: <gammel-1@example.no>\r\n"
            b"Date: Mon, 2 Mar 2026 09:15:00 +0100\r\n\r\nHei, fikk aldri svar.\r\n")


def test_import_mail_works_on_a_database_no_other_command_touched(
    database_url: str, tmp_path
) -> None:
    """Right after `desk db upgrade`: no worker, demo or web request has made channel rows."""
    import json
    import os
    import subprocess
    import sys

    mail = tmp_path / "gammel.eml"
    mail.write_bytes(IMPORTED)
    env = {**os.environ, "DESK_DATABASE_URL": database_url, "DESK_INSTANCE_PATH": str(tmp_path)}
    env.pop("DESK_CONFIG", None)
    result = subprocess.run([sys.executable, "-m", "desk.cli", "import-mail", "--json", str(mail)],
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    (record,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert record["result"] == "created" and record["reference"]


def test_a_reply_to_imported_mail_goes_out_on_the_mailbox_it_was_written_to(
    app: Flask, make_user
) -> None:
    from desk import workflow
    from desk.channels import channel_by_name
    from desk.errors import ServiceError
    from desk.mail.parsing import parse_mail
    from desk.models import Inquiry
    from desk.queries import reply_channels

    agent = make_user("agent")
    result = ingest(parse_mail(IMPORTED, "import"), receipts=False)
    inquiry = db.session.get(Inquiry, result.inquiry_id)

    assert [c.name for c in reply_channels(inquiry)] == ["post"]
    with pytest.raises(ServiceError, match="cannot be sent on that channel"):
        workflow.reply(agent, inquiry.id, "Svar", channel_id=channel_by_name("import").id)
    answer = workflow.reply(agent, inquiry.id, "Beklager, her er svaret.")
    assert answer.channel.name == "post" and answer.address == "kari@example.no"


def test_no_channel_that_can_reach_the_citizen_is_said_at_once(app: Flask, make_user) -> None:
    from desk import workflow
    from desk.channels import channel_by_name
    from desk.errors import ServiceError
    from desk.mail.parsing import parse_mail
    from desk.models import Inquiry
    from desk.queries import reply_channels

    agent = make_user("agent")
    result = ingest(parse_mail(IMPORTED, "import"), receipts=False)
    channel_by_name("post").enabled = False
    db.session.commit()
    inquiry = db.session.get(Inquiry, result.inquiry_id)

    assert reply_channels(inquiry) == []
    with pytest.raises(ServiceError, match="No channel can reach"):
        workflow.reply(agent, inquiry.id, "Svar")


def test_a_message_queued_on_a_channel_without_connector_fails_at_once(app: Flask) -> None:
    from desk.channels import channel_by_name
    from desk.models import Inquiry, OutboxItem, OutboxState
    from desk.outbox import dispatch_due, queue_outbound

    result = ingest(inbound(), receipts=False)
    inquiry = db.session.get(Inquiry, result.inquiry_id)
    queue_outbound(db.session, inquiry, channel_by_name("import"), "ola@example.no", "Re", "x")
    db.session.commit()

    report = dispatch_due("w1")

    assert len(report.failed) == 1 and report.retrying == []
    item = db.session.scalar(select(OutboxItem))
    assert item.state is OutboxState.FAILED and "no connector" in item.last_error


def test_the_web_app_makes_the_channel_rows_it_needs(database_url: str, tmp_path) -> None:
    from desk import create_app
    from desk.models import Channel
    from tests.conftest import make_config

    app = create_app(make_config(database_url, tmp_path / "instance"))
    with app.app_context():
        assert db.session.scalar(select(func.count(Channel.id))) == 0
        db.session.remove()
        assert app.test_client().get("/login").status_code == 200
        names = set(db.session.scalars(select(Channel.name)))
        db.session.remove()
        db.engine.dispose()
    assert {"post", "telegram", "phone", "walkin", "import"} <= names


def test_events_cannot_be_changed_even_past_the_orm(app: Flask) -> None:
    """Metrics and audit rest on events: the database itself refuses an UPDATE."""
    from sqlalchemy import update
    from sqlalchemy.exc import DBAPIError

    from desk.models import Event

    ingest(inbound())
    with pytest.raises(DBAPIError, match="events are immutable"):
        db.session.execute(update(Event).values(kind="resolved"))
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(select(func.count(Event.id)).where(Event.kind == "resolved")) == 0
