"""The worker's scheduler really runs the jobs: an ingested message's receipt goes out."""

import json
import logging
import time
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from desk.extensions import db
from desk.ingest import ingest
from desk.models import Message, SendState, WorkerHeartbeat
from desk.worker import Worker
from tests.conftest import inbound


def test_scheduled_jobs_send_the_outbox_and_beat(app: Flask, caplog) -> None:
    caplog.set_level(logging.INFO)
    result = ingest(inbound())
    assert result.receipt_queued
    scheduler = Worker(app, worker_id="test-worker").start_background()
    try:
        deadline = time.monotonic() + 20
        receipt = None
        while time.monotonic() < deadline:
            db.session.expire_all()
            receipt = db.session.scalar(select(Message).where(Message.automatic))
            if receipt.send_state is SendState.SENT:
                break
            time.sleep(0.1)
    finally:
        scheduler.shutdown(wait=True)
    assert receipt is not None and receipt.send_state is SendState.SENT
    [line] = (Path(app.instance_path) / "outbox.log").read_text().splitlines()
    assert json.loads(line)["automatic"] is True
    assert db.session.get(WorkerHeartbeat, "test-worker") is not None
    # The scheduler's routine lines (a job ran, a job was added) do not bury the rest.
    routine = [r for r in caplog.records if r.name.startswith("apscheduler")
               and r.levelno < logging.WARNING]
    assert routine == []
