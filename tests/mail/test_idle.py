"""The IDLE watcher and the worker: new mail reaches the queue without waiting for a poll."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from imapclient import IMAPClient
from sqlalchemy import func, select

from desk import leases
from desk.extensions import db
from desk.mail.fetch import lease_name
from desk.mail.idle import IdleWatcher
from desk.models import Inquiry, Lease
from desk.worker import Worker
from tests.conftest import TEST_CHANNELS
from tests.mail.conftest import append, citizen_mail, mail_channel, postmottak
from tests.mailservers import ImapServer, SmtpServer


def inquiries() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(Inquiry.id)))


def wait_for(condition: Callable[[], bool], seconds: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if condition():
            return time.monotonic() - started
        time.sleep(0.02)
    raise AssertionError(f"not within {seconds}s")


def test_idle_delivers_new_mail_without_a_poll(app: Flask, mailbox: IMAPClient) -> None:
    append(mailbox, citizen_mail(subject="Før start"))
    # A poll interval far longer than the test: only IDLE can bring the second mail.
    watcher = IdleWatcher(app, postmottak(), "test-worker/idle", poll_seconds=600)
    watcher.start()
    try:
        wait_for(lambda: inquiries() == 1, 10)  # the first run on connect
        assert not leases.acquire(lease_name("postmottak"), "another-worker", 60)
        assert watcher.idling.wait(10)
        time.sleep(0.1)  # the IDLE command is on its way
        append(mailbox, citizen_mail(subject="Etter start"))
        assert wait_for(lambda: inquiries() == 2, 5) < 2
    finally:
        watcher.stop()
    assert not watcher.is_alive()
    db.session.rollback()
    assert db.session.get(Lease, lease_name("postmottak")) is None  # given back on stop


@pytest.fixture
def config_overrides(imap_server: ImapServer, smtp_server: SmtpServer) -> dict[str, Any]:
    # The worker polls this mailbox on its schedule: no IDLE thread.
    return {"channels": [*TEST_CHANNELS, mail_channel(imap_server, smtp_server, imap_idle=False)],
            "worker": {"poll_interval_seconds": 0.5, "outbox_interval_seconds": 0.5}}


def test_worker_polls_a_mailbox_without_idle_and_sends_the_receipt(
    app: Flask, mailbox: IMAPClient, smtp_server: SmtpServer
) -> None:
    worker = Worker(app, worker_id="test-worker")
    scheduler = worker.start_background()
    try:
        assert worker.watchers == []
        append(mailbox, citizen_mail())
        wait_for(lambda: inquiries() == 1, 10)
        wait_for(lambda: len(smtp_server.messages) == 1, 10)
    finally:
        scheduler.shutdown(wait=True)
        worker.stop_watchers()
    assert smtp_server.messages[0].message["Auto-Submitted"] == "auto-replied"
