"""Outbox workers racing for the same rows: real worker processes and threads, a real
(slow) SMTP server, on SQLite and PostgreSQL. Every message goes out once."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from desk import outbox, workflow
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
from desk.outbox import DispatchReport, dispatch_due
from tests.conftest import TEST_CHANNELS, at_once
from tests.mailservers import SLOW_DATA_SECONDS, SmtpServer, _aiosmtpd

ROOT = Path(__file__).resolve().parent.parent
LEASE = 1  # seconds: shorter than one send to the slow server

# A worker process: builds the app on the test's database, waits for "go" on
# stdin, sends until nothing is pending and prints the ids it reported sent.
WORKER = """
import json, sys, time
from sqlalchemy import select
from desk import create_app
from desk.config import load_config
from desk.extensions import db
from desk.models import OutboxItem, OutboxState
from desk.outbox import dispatch_due

worker_id, overrides = sys.argv[1], json.loads(sys.argv[2])
app = create_app(load_config(env={}, overrides=overrides))
with app.app_context():
    print("ready", flush=True)
    sys.stdin.readline()
    sent = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        sent += dispatch_due(worker_id).sent
        pending = db.session.scalar(
            select(OutboxItem.id).where(OutboxItem.state == OutboxState.PENDING).limit(1))
        db.session.rollback()
        if pending is None:
            break
        time.sleep(0.05)
    print(json.dumps(sent), flush=True)
"""


@pytest.fixture
def relay_delay() -> float:
    """Seconds the SMTP server takes to accept a mail; `slow_relay` tests make it slow."""
    return 0.0


# A busy relay: each mail takes longer to send than LEASE.
slow_relay = pytest.mark.parametrize("relay_delay", [SLOW_DATA_SECONDS])


@pytest.fixture
def smtp(relay_delay: float) -> Iterator[SmtpServer]:
    """The real SMTP server the `post` channel sends through."""
    yield from _aiosmtpd(data_delay=relay_delay)


def mail_channel(server: SmtpServer) -> dict[str, Any]:
    return {"name": "post", "kind": "email", "display_name": "Postmottak",
            "address": "post@kommune.example", "smtp_host": server.host,
            "smtp_port": server.port, "smtp_security": "none", "smtp_auth": False,
            "timeout_seconds": 5}


@pytest.fixture
def config_overrides(smtp: SmtpServer) -> dict[str, Any]:
    channels = [mail_channel(smtp), *(c for c in TEST_CHANNELS if c["name"] != "post")]
    return {"channels": channels, "receipts": {"enabled": False},
            "outbox": {"lease_seconds": LEASE}}


@pytest.fixture
def agent(make_user):
    return make_user("agent", Role.AGENT)


def queue_replies(agent, make_inquiry, count: int) -> list[Message]:
    return [workflow.reply(agent, make_inquiry(sender_address=f"innbygger{n}@example.no").id,
                           f"Svar nummer {n}") for n in range(count)]


def received_ids(server: SmtpServer) -> Counter[str]:
    return Counter(mail.message["Message-ID"].strip("<>") for mail in server.messages)


def items() -> list[OutboxItem]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxItem).order_by(OutboxItem.id)))


def start_worker(worker_id: str, overrides: dict[str, Any], log: Path) -> subprocess.Popen[str]:
    with log.open("w") as stderr:  # the child has its own copy of the file
        return subprocess.Popen(
            [sys.executable, "-c", WORKER, worker_id, json.dumps(overrides)],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, text=True,
        )


def worker_overrides(app: Flask, config_overrides: dict[str, Any]) -> dict[str, Any]:
    from desk.config import current_config

    config = current_config()
    return {**config_overrides, "database": {"url": app.config["SQLALCHEMY_DATABASE_URI"]},
            "instance_path": app.instance_path, "secret_key": config.secret_key,
            "message_id_domain": config.message_id_domain}


@slow_relay
def test_two_worker_processes_send_every_reply_once(app, smtp, agent, make_inquiry,
                                                    config_overrides, tmp_path) -> None:
    """The defect this guards against: a batch claimed under one lease outlived it on
    a slow relay, a second worker claimed the rest, and both sent it."""
    replies = queue_replies(agent, make_inquiry, 10)
    overrides = worker_overrides(app, config_overrides)
    workers = [start_worker(f"worker-{n}", overrides, tmp_path / f"worker-{n}.log")
               for n in (1, 2)]
    try:
        for worker in workers:
            assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
        for worker in workers:
            assert worker.stdin is not None
            worker.stdin.write("go\n")
            worker.stdin.flush()
        outputs = [worker.communicate(timeout=40)[0] for worker in workers]
    finally:
        for worker in workers:
            worker.kill()
            worker.wait()
    logs = "\n".join((tmp_path / f"worker-{n}.log").read_text() for n in (1, 2))
    assert all(worker.returncode == 0 for worker in workers), logs
    reported = [json.loads(output.splitlines()[-1]) for output in outputs]

    assert all(reported), "both workers took part"
    assert sorted(reported[0] + reported[1]) == [item.id for item in items()]
    for message in replies:
        db.session.refresh(message)
    assert received_ids(smtp) == Counter(message.external_id for message in replies)
    assert all(m.send_state is SendState.SENT for m in replies)
    assert [(i.state, i.attempts) for i in items()] == [(OutboxState.SENT, 1)] * 10
    assert "interrupted" not in logs and "twice" not in logs


@slow_relay
def test_a_worker_killed_while_sending_leaves_a_trace(app, smtp, agent, make_inquiry,
                                                      config_overrides, tmp_path) -> None:
    [reply] = queue_replies(agent, make_inquiry, 1)
    worker = start_worker("worker-1", worker_overrides(app, config_overrides),
                          tmp_path / "worker-1.log")
    try:
        assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
        deadline = time.monotonic() + 10
        while items()[0].leased_by != "worker-1" and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(SLOW_DATA_SECONDS / 2)  # the mail's data is at the server, no answer yet
    finally:
        worker.kill()
        worker.wait()
        assert worker.stdout is not None and worker.stdin is not None
        worker.stdout.close()
        worker.stdin.close()

    [item] = items()
    assert (item.state, item.attempts, item.leased_by) == (OutboxState.PENDING, 1, "worker-1")
    assert item.lease_until is not None and item.sent_at is None
    db.session.refresh(reply)
    assert reply.send_state is SendState.QUEUED

    assert dispatch_due("w2").sent == []  # its lease has not run out yet
    time.sleep(max((item.lease_until - utcnow()).total_seconds(), 0) + 0.1)
    assert dispatch_due("w2").sent == [item.id]
    [item] = items()
    assert (item.state, item.attempts, item.leased_by) == (OutboxState.SENT, 2, "w2")
    assert "interrupted while sending: worker-1" in item.last_error
    # The server never answered the killed worker's data, so it did not take that mail.
    assert received_ids(smtp) == Counter([reply.external_id])


@pytest.mark.parametrize("sent_by_the_other", [False, True])
def test_a_worker_whose_lease_was_taken_over_does_not_send(app, smtp, agent, make_inquiry,
                                                           sent_by_the_other) -> None:
    [reply] = queue_replies(agent, make_inquiry, 1)
    now = utcnow()
    first = outbox._claim_next("w1", now)
    # w1 stalls (a hung process, a slow attachment store) past its lease; w2 takes over.
    later = now + timedelta(seconds=LEASE + 1)
    second = outbox._claim_next("w2", later)
    assert first is not None and second is not None and first.item_id == second.item_id
    if sent_by_the_other:
        outbox._send_claimed(second.item_id, "w2", lambda: later, DispatchReport())

    report = DispatchReport()
    outbox._send_claimed(first.item_id, "w1", lambda: later, report)

    assert report == DispatchReport()
    assert len(smtp.messages) == (1 if sent_by_the_other else 0)
    if not sent_by_the_other:
        outbox._send_claimed(second.item_id, "w2", lambda: later, report)
        assert report.sent == [second.item_id]
    db.session.refresh(reply)
    assert received_ids(smtp) == Counter([reply.external_id])
    [item] = items()
    assert (item.state, item.attempts, item.leased_by) == (OutboxState.SENT, 2, "w2")
    assert "interrupted while sending: w1 held it" in item.last_error


@slow_relay
def test_a_send_longer_than_the_lease_keeps_its_item(app, smtp, agent, make_inquiry) -> None:
    [reply] = queue_replies(agent, make_inquiry, 1)
    reports: list[DispatchReport] = []

    def first_worker() -> None:
        with app.app_context():
            try:
                reports.append(dispatch_due("w1"))
            finally:
                db.session.remove()

    thread = threading.Thread(target=first_worker)
    thread.start()
    try:
        deadline = time.monotonic() + 5
        while items()[0].leased_by != "w1" and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(LEASE * 1.2)  # w1's first lease has run out; it is still sending
        assert dispatch_due("w2") == DispatchReport()
    finally:
        thread.join()

    [item] = items()
    assert reports[0].sent == [item.id]
    db.session.refresh(reply)
    assert received_ids(smtp) == Counter([reply.external_id])
    assert (item.state, item.attempts, item.last_error) == (OutboxState.SENT, 1, None)


def test_racing_workers_claim_each_item_once(app, agent, make_inquiry) -> None:
    queue_replies(agent, make_inquiry, 12)
    now = utcnow()  # one instant for all: no lease runs out during the race

    def claim_all(worker_id: str) -> list[tuple[int, str]]:
        claimed = []
        while (claim := outbox._claim_next(worker_id, now)) is not None:
            claimed.append((claim.item_id, worker_id))
        return claimed

    results = at_once(app, claim_all, [f"w{n}" for n in range(6)])

    assert not [r for r in results if isinstance(r, Exception)], results
    claimed = sorted(pair for result in results for pair in result)
    assert [item_id for item_id, _ in claimed] == [item.id for item in items()]
    assert [(i.id, i.leased_by, i.attempts) for i in items()] == [
        (item_id, worker_id, 1) for item_id, worker_id in claimed]


def test_an_item_interrupted_at_every_attempt_fails_for_good(app, smtp, agent,
                                                             make_inquiry) -> None:
    [reply] = queue_replies(agent, make_inquiry, 1)
    now = utcnow()
    step = timedelta(seconds=LEASE + 1)
    for n in range(3):  # max_attempts in the tests; each worker dies while sending
        assert outbox._claim_next(f"w{n}", now + n * step) is not None

    report = dispatch_due("w9", now=now + 3 * step)

    [item] = items()
    assert report == DispatchReport(failed=[item.id]) and smtp.messages == []
    assert (item.state, item.attempts) == (OutboxState.FAILED, 3)
    assert item.last_error.startswith("given up after 3 attempts; the last was interrupted")
    db.session.refresh(reply)
    assert reply.send_state is SendState.FAILED
    failed = db.session.scalar(select(Event).where(Event.kind == EventKind.SEND_FAILED))
    assert failed.data["attempts"] == 3 and failed.data["message_id"] == reply.id
