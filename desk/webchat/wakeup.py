"""Waking the long polls of one process when their chat's stream grows.

A long poll used to read its session's line counter every 0.3 s; at fifty open
chats that was most of a server's work, and a line waited up to 0.3 s to be
seen. Now the polls of a process wait on one board:

- a line committed in this process wakes its session's polls at once (an
  `after_commit` hook: `append_line` notes the session on the database
  session, and the hook publishes it only when the transaction committed);
- on PostgreSQL `append_line` also sends `NOTIFY desk_chat`, which the server
  delivers at commit to every process: one thread per process LISTENs and wakes
  the polls, so a line written by another web process or a worker is seen at
  once too; that thread also reads the counters of every watched session in
  one query every 2 s, should a notification be lost with its connection;
- SQLite serves one web process, so only a line the worker process delivers
  (an answer retried by the outbox) is written elsewhere: each waiting poll
  reads its own counter once a second for that, and no thread of ours touches
  the database file in the background.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from desk.extensions import db
from desk.models import ChatSession

log = logging.getLogger(__name__)

CHANNEL = "desk_chat"
# The key on a database session's info: sessions that got a line in its transaction.
_PENDING = "desk.chat_lines"


def note_line(session: Session, session_id: int, seq: int) -> None:
    """Called with a new line, in its transaction: wake the polls when it commits."""
    pending: dict[int, int] = session.info.setdefault(_PENDING, {})
    pending[session_id] = max(seq, pending.get(session_id, 0))
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_notify(:channel, :payload)"),
                        {"channel": CHANNEL, "payload": f"{session_id}:{seq}"})


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    board = current_app.extensions.get(_KEY) if pending and has_app_context() else None
    if board is not None:
        for session_id, seq in pending.items():
            board.publish(session_id, seq)


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, _previous: Any) -> None:
    session.info.pop(_PENDING, None)


_KEY = "desk.chat_wakeup"
_CREATING = threading.Lock()
# A watcher thread with nobody waiting for this long ends; the next poll starts one.
IDLE_SECONDS = 5.0
# SQLite: how often a waiting poll reads its counter itself.
RECHECK_SECONDS = 1.0


def board(app: Flask) -> Board:
    """The app's board (one per app: a test makes many apps in one process)."""
    found = app.extensions.get(_KEY)
    if found is None:
        with _CREATING:
            found = app.extensions.setdefault(_KEY, Board(app))
    return found


class Board:
    """The line counters of the sessions this process's polls wait on."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        with app.app_context():
            self.listens = db.engine.dialect.name == "postgresql"
        self._lock = threading.Lock()
        self._seq: dict[int, int] = {}  # what this process knows of each watched session
        self._waiters: dict[int, set[threading.Event]] = {}
        self._watcher: _Watcher | None = None
        self._last_wait = 0.0

    def publish(self, session_id: int, seq: int) -> None:
        with self._lock:
            if session_id not in self._waiters or seq <= self._seq.get(session_id, 0):
                return
            self._seq[session_id] = seq
            for waiter in self._waiters[session_id]:
                waiter.set()

    def watched(self) -> list[int]:
        with self._lock:
            return list(self._waiters)

    def retire(self, watcher: _Watcher) -> bool:
        """Whether `watcher` may end: nobody has waited for IDLE_SECONDS."""
        with self._lock:
            if self._waiters or time.monotonic() - self._last_wait < IDLE_SECONDS:
                return False
            if self._watcher is watcher:
                self._watcher = None
            return True

    def wait(self, session_id: int, after: int, timeout: float, read: Any) -> int:
        """The session's counter once it is above `after`, or `after` when `timeout`
        passes first. `read(session_id)` reads the counter from the database."""
        waiter = threading.Event()
        with self._lock:
            self._waiters.setdefault(session_id, set()).add(waiter)
            self._last_wait = time.monotonic()
            if self.listens and (self._watcher is None or not self._watcher.is_alive()):
                self._watcher = _Watcher(self)
                self._watcher.start()
        try:
            # Read after registering: a line committed in between is published to us.
            self.publish(session_id, read(session_id))
            deadline = time.monotonic() + timeout
            while True:
                with self._lock:
                    current = self._seq.get(session_id, 0)
                if current > after:
                    return current
                left = deadline - time.monotonic()
                if left <= 0:
                    return after
                woken = waiter.wait(left if self.listens else min(left, RECHECK_SECONDS))
                waiter.clear()
                if not woken and not self.listens:
                    self.publish(session_id, read(session_id))
        finally:
            with self._lock:
                waiters = self._waiters[session_id]
                waiters.discard(waiter)
                if not waiters:
                    del self._waiters[session_id]
                    self._seq.pop(session_id, None)
                self._last_wait = time.monotonic()


class _Watcher(threading.Thread):
    """PostgreSQL: the process's one listener for new lines (see the module doc); it
    ends when nobody has waited for IDLE_SECONDS."""

    def __init__(self, board: Board) -> None:
        super().__init__(daemon=True, name="chat-wakeup")
        self.board = board

    def run(self) -> None:
        with self.board.app.app_context():
            self._run()

    def _run(self) -> None:
        while True:
            try:
                self._listen()
                return  # retired
            except Exception:  # the database away for a moment: never let the polls sleep
                log.exception("chat wake-up: listening failed; trying again")
                time.sleep(1)

    def _done(self, read: Callable[[list[int]], Iterable[tuple[int, int]]]) -> bool:
        """Publish every watched counter `read` finds; True when the watcher may end."""
        watched = self.board.watched()
        if not watched:
            return self.board.retire(self)
        for session_id, seq in read(watched):
            self.board.publish(session_id, seq)
        return False

    def _listen(self) -> None:
        """LISTEN on a connection of its own, which also reads every counter every 2 s
        (and is closed when the watcher ends: no pooled connection outlives it)."""
        import psycopg

        url = db.engine.url.set(drivername="postgresql")
        with psycopg.connect(url.render_as_string(hide_password=False),
                             autocommit=True) as connection:
            connection.execute(f"LISTEN {CHANNEL}")

            def read(watched: list[int]) -> list[tuple[int, int]]:
                return connection.execute(_COUNTERS, [watched]).fetchall()

            while not self._done(read):  # the first read: what was written before we listened
                for note in connection.notifies(timeout=2.0):
                    session_id, _, seq = note.payload.partition(":")
                    self.board.publish(int(session_id), int(seq))


_COUNTERS = f"SELECT id, seq FROM {ChatSession.__tablename__} WHERE id = ANY(%s)"
