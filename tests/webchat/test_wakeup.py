"""The wake-up board: a waiting poll returns when its session's line commits, in this
process or (on PostgreSQL, through NOTIFY) in another; a rolled-back line wakes nobody."""

from __future__ import annotations

import threading
import time
from typing import Any

from flask import Flask
from sqlalchemy import insert, select, update

from desk import workflow
from desk.database import transaction
from desk.extensions import db
from desk.models import ChatLine, ChatSession, Inquiry, utcnow
from desk.webchat import stream, wakeup
from tests.webchat.conftest import Widget


def _wait_in_thread(app: Flask, session_id: int, after: int, timeout: float) -> dict[str, Any]:
    result: dict[str, Any] = {}

    def run() -> None:
        with app.app_context():
            started = time.monotonic()
            result["lines"], result["after"] = stream.wait_for_lines(session_id, after, timeout)
            result["seconds"] = time.monotonic() - started
            db.session.remove()

    result["thread"] = threading.Thread(target=run)
    result["thread"].start()
    return result


def _waiting(app: Flask, session_id: int) -> None:
    deadline = time.monotonic() + 5
    while session_id not in wakeup.board(app).watched():
        assert time.monotonic() < deadline, "the poll never started waiting"
        time.sleep(0.01)


def test_a_committed_line_wakes_the_waiting_poll(app: Flask, widget: Widget, agent: Any) -> None:
    widget.start(name="Ola")
    widget.say("Hei")
    chat = db.session.scalars(select(ChatSession)).one()
    db.session.rollback()

    waiting = _wait_in_thread(app, chat.id, 1, timeout=20)
    _waiting(app, chat.id)
    widget.say("Er dere der?")
    waiting["thread"].join(timeout=20)

    assert [line.text for line in waiting["lines"]] == ["Er dere der?"]
    assert waiting["after"] == 2
    assert waiting["seconds"] < 10  # woken, not timed out (the wait was 20 s)
    assert chat.id not in wakeup.board(app).watched()  # nothing kept once nobody waits


def test_a_rolled_back_line_wakes_nobody(app: Flask, widget: Widget, agent: Any) -> None:
    widget.start(name="Ola")
    widget.say("Hei")
    chat = db.session.scalars(select(ChatSession)).one()
    db.session.rollback()

    waiting = _wait_in_thread(app, chat.id, 1, timeout=1.5)
    _waiting(app, chat.id)
    try:
        with transaction() as session:  # a line written, then the sender fails
            session.execute(update(ChatSession).where(ChatSession.id == chat.id)
                            .values(seq=ChatSession.seq + 1))
            wakeup.note_line(session, chat.id, 2)
            raise RuntimeError("the delivery failed after the line was numbered")
    except RuntimeError:
        pass
    waiting["thread"].join(timeout=10)

    assert waiting["lines"] == [] and waiting["after"] == 1
    assert waiting["seconds"] >= 1.4  # it waited its whole time
    assert db.session.scalar(select(ChatSession.seq).where(ChatSession.id == chat.id)) == 1


def test_a_line_written_outside_this_process_is_seen(app: Flask, widget: Widget,
                                                     agent: Any) -> None:
    """Another process's commit reaches no after-commit hook here: the watcher thread
    (NOTIFY on PostgreSQL; on SQLite the poll reads its counter each second) must see it."""
    widget.start(name="Ola")
    widget.say("Hei")
    chat = db.session.scalars(select(ChatSession)).one()
    inquiry = db.session.scalars(select(Inquiry)).one()
    answer = workflow.reply(agent, inquiry.id, "Hei, hva lurer du på?")
    db.session.rollback()

    waiting = _wait_in_thread(app, chat.id, 1, timeout=20)
    _waiting(app, chat.id)
    with db.engine.begin() as connection:  # as a worker process delivers it: no ORM session
        connection.execute(update(ChatSession).where(ChatSession.id == chat.id)
                           .values(seq=ChatSession.seq + 1))
        connection.execute(insert(ChatLine).values(session_id=chat.id, seq=2,
                                                   message_id=answer.id, from_citizen=False,
                                                   created_at=utcnow()))
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"NOTIFY {wakeup.CHANNEL}, '{chat.id}:2'")
    waiting["thread"].join(timeout=20)

    assert [line.text for line in waiting["lines"]] == ["Hei, hva lurer du på?"]
    assert waiting["after"] == 2 and waiting["seconds"] < 10
