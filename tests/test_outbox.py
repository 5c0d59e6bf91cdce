"""The outbox: sends through the channel's connector, retries with backoff, fails visibly."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from desk import workflow
from desk.extensions import db
from desk.models import (
    Event,
    EventKind,
    Message,
    OutboxItem,
    OutboxState,
    Role,
    SendState,
    utcnow,
)
from desk.outbox import backoff, dispatch_due
from tests.conftest import TEST_CHANNELS


@pytest.fixture
def config_overrides() -> dict:
    broken = {"name": "broken", "kind": "email", "connector": "log",
              "path": "no-such-folder/outbox.log"}
    return {"channels": [*TEST_CHANNELS, broken],
            "receipts": {"enabled": False}}


@pytest.fixture
def agent(make_user):
    return make_user("agent", Role.AGENT)


def outbox_log(app: Flask) -> list[dict]:
    path = Path(app.instance_path) / "outbox.log"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_dispatch_sends_and_records_the_channel_id(app, agent, make_inquiry) -> None:
    inquiry = make_inquiry(external_id="first@citizen.example")
    message = workflow.reply(agent, inquiry.id, "Hei, her er svaret.")

    report = dispatch_due("w1")

    assert len(report.sent) == 1
    [line] = outbox_log(app)
    assert line["recipient"] == "ola@example.no"
    assert line["reference"] == inquiry.reference
    assert line["in_reply_to"] == "first@citizen.example"
    assert line["text"] == "Hei, her er svaret."
    db.session.refresh(message)
    assert message.send_state is SendState.SENT and message.sent_at is not None
    assert message.external_id == line["external_id"]
    item = db.session.scalar(select(OutboxItem))
    assert item.state is OutboxState.SENT and item.attempts == 1
    assert db.session.scalar(select(Event).where(Event.kind == EventKind.SENT)) is not None
    assert dispatch_due("w1").sent == []  # nothing twice


def test_temporary_failure_retries_with_growing_backoff_then_fails(app, agent,
                                                                     make_inquiry) -> None:
    inquiry = make_inquiry(channel="broken")
    message = workflow.reply(agent, inquiry.id, "Svar")
    item = db.session.scalar(select(OutboxItem))
    now = utcnow()

    report = dispatch_due("w1", now=now)
    db.session.refresh(item)
    assert report.retrying == [item.id]
    assert item.state is OutboxState.PENDING and item.attempts == 1
    assert "no-such-folder" in item.last_error
    first_delay = (item.next_attempt_at - now).total_seconds()
    assert 8 <= first_delay <= 12  # base 10 s ± 20 %

    assert dispatch_due("w1", now=now).retrying == []  # not due yet

    later = item.next_attempt_at + timedelta(seconds=1)
    dispatch_due("w1", now=later)
    db.session.refresh(item)
    second_delay = (item.next_attempt_at - later).total_seconds()
    assert item.attempts == 2 and 16 <= second_delay <= 24  # doubled

    report = dispatch_due("w1", now=item.next_attempt_at + timedelta(seconds=1))
    db.session.refresh(item)
    db.session.refresh(message)
    assert report.failed == [item.id]
    assert item.state is OutboxState.FAILED and item.attempts == 3  # max_attempts
    assert message.send_state is SendState.FAILED
    failed = db.session.scalar(select(Event).where(Event.kind == EventKind.SEND_FAILED))
    assert failed.data["attempts"] == 3 and failed.inquiry_id == inquiry.id


def test_temporary_failure_then_success(app, agent, make_inquiry) -> None:
    inquiry = make_inquiry(channel="broken")
    workflow.reply(agent, inquiry.id, "Svar")
    now = utcnow()
    dispatch_due("w1", now=now)
    (Path(app.instance_path) / "no-such-folder").mkdir()

    item = db.session.scalar(select(OutboxItem))
    report = dispatch_due("w1", now=item.next_attempt_at)
    assert report.sent == [item.id]


def test_permanent_failure_fails_at_once(app, agent, make_inquiry) -> None:
    inquiry = make_inquiry()
    message = workflow.reply(agent, inquiry.id, "Svar")
    message.address = ""  # the connector refuses a message without recipient for good
    db.session.commit()

    report = dispatch_due("w1")

    assert len(report.failed) == 1
    assert db.session.get(Message, message.id).send_state is SendState.FAILED
    assert db.session.scalar(select(OutboxItem)).attempts == 1


def test_a_leased_item_is_not_sent_by_a_second_worker(app, agent, make_inquiry) -> None:
    from desk.outbox import _claim_next

    inquiry = make_inquiry()
    workflow.reply(agent, inquiry.id, "Svar")
    now = utcnow()

    assert _claim_next("w1", now) is not None
    assert _claim_next("w2", now) is None
    # A crashed worker's lease runs out and the item is due again.
    assert _claim_next("w2", now + timedelta(seconds=121)) is not None


def test_backoff_is_capped() -> None:
    assert backoff(30, 10, 300) <= timedelta(seconds=360)
    assert backoff(1, 10, 300) >= timedelta(seconds=8)
