"""Polling: the offset moves only after the commit, errors are recorded and backed off,
the watcher long-polls under the lease and stops at once; /start is welcomed."""

import threading
import time
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from desk.extensions import db
from desk.models import Channel, Direction, Inquiry, Message, OutboxItem
from desk.outbox import dispatch_due
from tests.botapi import CITIZEN, BotApiServer, text_update
from tests.telegram.conftest import pull, settings


def count(direction: Direction = Direction.INBOUND) -> int:
    n = db.session.scalar(select(func.count(Message.id)).where(Message.direction == direction))
    db.session.rollback()
    return n


def channel() -> Channel:
    row = db.session.scalar(select(Channel).where(Channel.name == "tg"))
    db.session.refresh(row)
    return row


def test_a_crash_between_commit_and_offset_move_repeats_no_update(
        app: Flask, botapi: BotApiServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from desk.telegram import polling

    updates = [botapi.queue_update(text_update(botapi, f"Melding {n}")) for n in range(5)]
    real_save = polling.save_offset
    saved: list[int] = []

    def killed_after_third(channel_id: int, offset: int) -> None:
        if len(saved) == 2:  # the third update is committed; the process dies now
            raise SystemError("worker killed")
        saved.append(offset)
        real_save(channel_id, offset)

    monkeypatch.setattr(polling, "save_offset", killed_after_third)
    report = pull(app)
    assert report.error == "SystemError: worker killed"
    assert count() == 3
    monkeypatch.setattr(polling, "save_offset", real_save)
    # The restarted worker reads from the stored offset: the third again, then the rest.
    report = pull(app)
    assert report.outcomes == {"duplicate": 1, "threaded": 2}
    assert count() == 5
    texts = db.session.scalars(select(Message.text).where(
        Message.direction == Direction.INBOUND).order_by(Message.id)).all()
    assert texts == [f"Melding {n}" for n in range(5)]
    assert channel().cursor["offset"] == updates[-1]["update_id"] + 1


def test_a_run_stopped_before_the_commit_loses_nothing(
        app: Flask, botapi: BotApiServer) -> None:
    # The file of the second update cannot be fetched for now (Telegram answers 500):
    # the run stops before that update, which is read again next time.
    botapi.queue_update(text_update(botapi, "Første"))
    file_id = botapi.add_file(b"data", "documents/a.txt")
    botapi.queue_update({"message": {**text_update(botapi, "")["message"], "text": None,
                                     "caption": "Vedlegg", "document": {
                                         "file_id": file_id, "file_unique_id": "a"}}})
    botapi.fail("getFile", 500)
    report = pull(app)
    assert report.error is not None and report.outcomes == {"created": 1}
    assert channel().last_error is not None
    report = pull(app)
    assert report.error is None and report.outcomes == {"threaded": 1}
    assert count() == 2 and channel().last_error is None


@pytest.mark.parametrize("status", [500, 502, 401, 409])
def test_get_updates_errors_are_recorded_on_the_channel(
        app: Flask, botapi: BotApiServer, status: int) -> None:
    botapi.queue_update(text_update(botapi, "Hei"))
    botapi.fail("getUpdates", status)
    report = pull(app)
    assert report.error and report.error.startswith("Telegram:")
    row = channel()
    assert row.last_error == report.error and row.last_error_at is not None
    assert pull(app).outcomes == {"created": 1}
    assert channel().last_error is None


def test_a_flood_wait_on_get_updates_is_honoured(app: Flask, botapi: BotApiServer) -> None:
    from desk import leases
    from desk.telegram.polling import recorded_run

    botapi.fail("getUpdates", 429, retry_after=17)
    s = settings(app)
    channel_id = channel().id
    db.session.rollback()
    lease = leases.LeaseKeeper("telegram:tg", "t", 30)
    with s.connect() as api:
        report, wait = recorded_run(api, s, channel_id, lease, 0)
    assert wait == 17 and "17" in (report.error or "")


def test_get_updates_that_hangs_past_the_time_out_is_an_error_not_a_stuck_job(
        app: Flask, botapi: BotApiServer) -> None:
    botapi.hang("getUpdates", 5.0)
    started = time.monotonic()
    report = pull(app)  # request_timeout 2 s, pull_timeout 1 s
    assert report.error is not None and time.monotonic() - started < 5.0
    botapi.queue_update(text_update(botapi, "Hei"))
    assert pull(app).outcomes == {"created": 1}


def wait_until(predicate: Any, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_the_watcher_long_polls_under_the_lease_and_stops_at_once(
        app: Flask, botapi: BotApiServer) -> None:
    from desk.telegram.polling import PollWatcher

    watcher = PollWatcher(app, settings(app), "worker-1/telegram")
    watcher.start()
    try:
        assert watcher.polling.wait(5)
        # The take-in job of another worker finds the channel busy.
        assert pull(app).busy
        botapi.queue_update(text_update(botapi, "Hei fra Telegram"))
        assert wait_until(lambda: count() == 1)
        # Long polls: a handful of getUpdates calls, not a spin.
        time.sleep(1.5)
        assert len(botapi.calls("getUpdates")) <= 6
    finally:
        started = time.monotonic()
        watcher.stop()
        assert not watcher.is_alive() and time.monotonic() - started < 3
    assert not pull(app).busy  # the lease was given back


def test_the_watcher_backs_off_on_a_conflict_and_shows_it(
        app: Flask, botapi: BotApiServer) -> None:
    from desk.telegram.polling import PollWatcher

    botapi.state.webhook = {"url": "https://elsewhere.example/hook"}
    watcher = PollWatcher(app, settings(app), "worker-1/telegram")
    watcher.start()
    try:
        assert wait_until(lambda: channel().last_error is not None)
        assert "webhook is active" in channel().last_error
        time.sleep(2.5)
        # retry_seconds = 2: a growing wait, never a spin.
        assert len(botapi.calls("getUpdates")) <= 5
    finally:
        watcher.stop()


def test_the_worker_starts_a_watcher_for_a_polling_bot_only(
        app: Flask, botapi: BotApiServer) -> None:
    from desk.worker import Worker

    worker = Worker(app, "w1")
    worker.start_watchers()
    try:
        assert [w.channel for w in worker.watchers] == ["tg"]
    finally:
        worker.stop_watchers()


@pytest.mark.parametrize(("code", "language", "regards"), [
    ("en-GB", "en", "Kind regards"),
    ("no", "nb", "Vennlig hilsen"),
    ("nn", "nn", "Venleg helsing"),
])
def test_start_is_answered_with_the_welcome_and_the_receipt_once(
        app: Flask, botapi: BotApiServer, code: str, language: str, regards: str) -> None:
    from desk.telegram.welcome import welcome_text

    # The default welcome, in the language's catalog (the lead translates new strings).
    welcome = welcome_text(settings(app), language)
    user = {**CITIZEN, "language_code": code}
    botapi.queue_update(text_update(botapi, "/start", user))
    assert pull(app).outcomes == {"created": 1}
    inquiry = db.session.scalar(select(Inquiry))
    assert inquiry.language == language
    [answer] = db.session.scalars(select(Message).where(Message.direction == Direction.OUTBOUND))
    assert answer.automatic and answer.text.startswith(welcome)
    assert inquiry.reference in answer.text and regards in answer.text
    assert db.session.scalar(select(func.count(OutboxItem.id))) == 1
    db.session.rollback()
    assert dispatch_due("w1").sent
    [sent] = botapi.sent
    assert sent.chat_id == user["id"] and sent.text.startswith(welcome)
    assert inquiry.reference in sent.text
    # /start again on the open inquiry: the welcome, no second receipt.
    botapi.queue_update(text_update(botapi, "/start", user))
    assert pull(app).outcomes == {"threaded": 1}
    assert dispatch_due("w1").sent
    assert botapi.sent[-1].text.startswith(welcome)
    assert inquiry.reference not in botapi.sent[-1].text


def test_a_configured_welcome_is_used(app: Flask, botapi: BotApiServer,
                                      config_overrides: dict[str, Any]) -> None:
    from desk.telegram.welcome import welcome_text

    s = settings(app)
    assert "Innbyggerservice" in welcome_text(s, "nb")
    custom = type(s)(**{**s.__dict__, "welcome": {"nn": "Hei og velkomen!"}})
    assert welcome_text(custom, "nn") == "Hei og velkomen!"


def test_start_read_again_after_a_crash_is_welcomed_once(
        app: Flask, botapi: BotApiServer) -> None:
    from desk.telegram.settings import telegram_settings  # noqa: F401 (the settings module)
    from desk.telegram.welcome import answer_start

    botapi.queue_update(text_update(botapi, "/start"))
    pull(app)
    start = db.session.scalar(select(Message).where(Message.direction == Direction.INBOUND))
    from connectors.base import InboundMessage
    from desk.ingest import IngestResult, Outcome

    again = InboundMessage(channel="tg", external_id=start.external_id,
                           sender_address=start.address, sender_name=start.sender_name)
    result = IngestResult(Outcome.DUPLICATE, start.inquiry_id, start.id)
    db.session.rollback()
    assert answer_start(settings(app), start.channel_id, again, result, "nb") is False
    assert count(Direction.OUTBOUND) == 1


def test_two_workers_poll_one_bot_without_doubling(app: Flask, botapi: BotApiServer) -> None:
    from tests.conftest import at_once

    for n in range(10):
        botapi.queue_update(text_update(botapi, f"Melding {n}"))
    barrier_reports = at_once(app, lambda holder: __import__(
        "desk.telegram.polling", fromlist=["pull"]).pull(settings(app), holder), ["a", "b"])
    assert all(not isinstance(r, Exception) for r in barrier_reports), barrier_reports
    pull(app)
    assert count() == 10
    assert threading.active_count() < 50
