"""A thread per mailbox that waits in IMAP IDLE and fetches as soon as mail arrives.

The thread holds the mailbox's lease while it watches, so the poll jobs of all
workers leave that mailbox alone; if the thread dies its lease runs out and a
poll job takes over. Every wait is also a poll: it ends after at most
`wait_seconds` and a fetch follows either way, so a missed IDLE notice costs
one poll interval, never a mail. A server without IDLE hands the mailbox back
to the poll job.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading

from flask import Flask

from connectors.email.imap import ImapFetcher
from desk import leases
from desk.channels import record_health
from desk.extensions import db
from desk.mail.fetch import (
    enabled_channel_id,
    lease_name,
    load_cursor,
    open_mailbox,
    recorded_run,
)
from desk.mail.settings import MailboxSettings
from desk.models import utcnow

log = logging.getLogger(__name__)


class IdleWatcher(threading.Thread):
    def __init__(
        self,
        app: Flask,
        settings: MailboxSettings,
        holder: str,
        poll_seconds: float,
        retry_seconds: float = 30.0,
    ) -> None:
        super().__init__(name=f"idle:{settings.channel}", daemon=True)
        self.app, self.settings, self.holder = app, settings, holder
        # Renew the lease well before it runs out, even while no mail comes.
        self.wait_seconds = min(poll_seconds, settings.lease_seconds / 3)
        self.retry_seconds = retry_seconds
        self._failures = 0
        self.no_idle = False  # the server lacks IDLE: the poll job reads this mailbox
        # Set while the thread waits in IDLE (for tests and benchmarks to time mail).
        self.idling = threading.Event()
        self._stopping = threading.Event()
        self._imap: ImapFetcher | None = None

    def run(self) -> None:
        with self.app.app_context():
            while not self._stopping.is_set() and not self.no_idle:
                try:
                    self._watch()
                except Exception as exc:
                    if self._stopping.is_set():
                        break
                    log.warning("mailbox %s: IDLE watcher failed: %s", self.settings.channel, exc)
                    self._record_error(exc)
                finally:
                    db.session.remove()
                # A dropped connection is retried at once; one that keeps failing, ever slower.
                self._failures += 1
                self._stopping.wait(min(self.retry_seconds, 0.25 * 2 ** self._failures))

    @property
    def channel(self) -> str:
        return self.settings.channel

    @property
    def watching(self) -> bool:
        """Alive and in IDLE mode: the poll job leaves this mailbox to the thread."""
        return self.is_alive() and not self.no_idle

    def stop(self, timeout: float = 10.0) -> None:
        """Stop at once: closing the socket ends a blocking IDLE wait (a run in
        progress is left to finish, so its health is not recorded as an error)."""
        self._stopping.set()
        imap = self._imap
        if imap is not None and self.idling.is_set():
            with contextlib.suppress(Exception):  # already closed, or never opened
                imap.client.socket().shutdown(socket.SHUT_RDWR)
        self.join(timeout)

    def _watch(self) -> None:
        """One connection's life: fetch, wait for news, fetch again, until an error."""
        channel_id = enabled_channel_id(self.settings.channel)
        lease = leases.LeaseKeeper(lease_name(self.settings.channel), self.holder,
                                   self.settings.lease_seconds)
        if channel_id is None or not lease.acquire():
            return  # switched off, or another worker watches it: look again later
        try:
            with open_mailbox(self.settings) as imap:
                if not imap.supports_idle:
                    log.info("mailbox %s: no IDLE; polling it instead", self.settings.channel)
                    self.no_idle = True
                    return
                self._imap = imap
                while not self._stopping.is_set():
                    report = recorded_run(self.settings, channel_id, lease, imap)
                    if report.error is not None or not lease.keep():
                        return  # reconnect after the retry wait
                    self._failures = 0
                    if report.outcomes:
                        # Run again at once: a backlog past the batch size, or mail that
                        # came while this run worked, is not announced by the next IDLE.
                        continue
                    self.idling.set()
                    if self._stopping.is_set():  # stop() may have looked before idling was set
                        return
                    imap.wait_for_new(self.wait_seconds, after=load_cursor(channel_id))
                    self.idling.clear()
                    if not lease.keep():
                        return
        finally:
            self._imap = None
            self.idling.clear()
            lease.release()

    def _record_error(self, exc: Exception) -> None:
        try:
            channel_id = enabled_channel_id(self.settings.channel)
            if channel_id is not None:
                record_health(channel_id, utcnow(), str(exc))
        except Exception:  # the database is down too; the thread must live on regardless
            log.exception("mailbox %s: cannot record the error", self.settings.channel)
