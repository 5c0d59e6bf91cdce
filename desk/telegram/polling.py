"""Reading a bot's updates with getUpdates, under the channel's lease.

The offset is the channel row's cursor (`{"offset": N}`) and moves past an
update only after that update is committed (ingested, quarantined or found
to be nothing to store), so a crash neither loses nor repeats an update: one
read again is a duplicate of what the desk has.

A `PollWatcher` thread long-polls while it holds the lease, so the worker's
take-in job (which loops over all channels) never waits on Telegram; it backs
off after errors (network, 5xx, 409 conflict, flood waits), never spinning.
Without a watcher, `pull` is the take-in job's bounded run with a short poll.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask
from sqlalchemy import select
from telegram.error import RetryAfter, TelegramError

from connectors.telegram.api import BotApi, update_bytes
from connectors.telegram.send import retry_seconds
from desk import leases
from desk.channels import record_health
from desk.database import transaction
from desk.drivers.base import TakeInReport
from desk.extensions import db
from desk.models import Channel, utcnow
from desk.telegram.intake import take_in_update
from desk.telegram.settings import ALLOWED_UPDATES, TelegramSettings

log = logging.getLogger(__name__)


def lease_name(channel: str) -> str:
    return f"telegram:{channel}"


def pull(settings: TelegramSettings, holder: str) -> TakeInReport:
    """One bounded run with a short poll: the take-in job's unit of work."""
    channel_id = enabled_channel_id(settings.channel)
    if channel_id is None:
        return TakeInReport(settings.channel)
    lease = leases.LeaseKeeper(lease_name(settings.channel), holder, settings.lease_seconds)
    if not lease.acquire():
        return TakeInReport(settings.channel, busy=True)
    try:
        with settings.connect() as api:
            report, _ = recorded_run(api, settings, channel_id, lease, settings.pull_timeout)
        return report
    finally:
        lease.release()


def recorded_run(api: BotApi, settings: TelegramSettings, channel_id: int,
                 lease: leases.LeaseKeeper, timeout: int,
                 stopping: threading.Event | None = None) -> tuple[TakeInReport, float]:
    """A run with its health on the channel row; the report and the wait Telegram asked
    for before the next (a flood wait), 0 when none. A run ended by `stopping` (the
    worker shutting down closed its connection) is no error of the channel's."""
    started = utcnow()
    wait = 0.0
    report = TakeInReport(settings.channel)
    try:
        run_once(api, settings, channel_id, lease, timeout, report)
    except Exception as exc:
        db.session.rollback()
        log.warning("telegram %s: %s", settings.channel, exc)
        if isinstance(exc, RetryAfter):
            wait = retry_seconds(exc)
        error = (f"Telegram: {exc.message}" if isinstance(exc, TelegramError)
                 else f"{type(exc).__name__}: {exc}")
        report.error = error  # what was taken in before it stays counted
    if stopping is None or not stopping.is_set():
        record_health(channel_id, started, report.error)
    return report, wait


def run_once(api: BotApi, settings: TelegramSettings, channel_id: int,
             lease: leases.LeaseKeeper, timeout: int, report: TakeInReport) -> None:
    """Take in at most a batch of updates, waiting up to `timeout` s for the first,
    counting them in `report`; raises on a fault of Telegram's or the network's."""
    offset = load_offset(channel_id)
    updates = api.get_updates(offset, timeout, settings.batch_size, ALLOWED_UPDATES)
    for update in updates:
        outcome = take_in_update(api, settings, channel_id, update_bytes(update))
        report.outcomes[outcome] += 1
        update_id = update.get("update_id") if isinstance(update, dict) else None
        if isinstance(update_id, int) and update_id >= (offset or 0):
            offset = update_id + 1
            save_offset(channel_id, offset)
        if not lease.keep():
            report.error = "lease lost to another worker; run stopped"
            return


def load_offset(channel_id: int) -> int | None:
    cursor = db.session.scalar(select(Channel.cursor).where(Channel.id == channel_id))
    db.session.rollback()  # hold no transaction open across the long poll
    offset = (cursor or {}).get("offset")
    return offset if isinstance(offset, int) else None


def save_offset(channel_id: int, offset: int) -> None:
    with transaction() as session:
        row = session.get(Channel, channel_id)
        if row is not None:
            row.cursor = {**(row.cursor or {}), "offset": offset}


def enabled_channel_id(name: str) -> int | None:
    """The channel row's id, or None when it has none or an admin switched it off."""
    row = db.session.execute(
        select(Channel.id, Channel.enabled).where(Channel.name == name)).first()
    db.session.rollback()
    return row.id if row is not None and row.enabled else None


class PollWatcher(threading.Thread):
    """Long-polls one bot while it holds the channel's lease."""

    def __init__(self, app: Flask, settings: TelegramSettings, holder: str) -> None:
        super().__init__(name=f"telegram:{settings.channel}", daemon=True)
        self.app, self.settings, self.holder = app, settings, holder
        self._stopping = threading.Event()
        self._api: BotApi | None = None
        self._failures = 0
        # Set once the thread holds the lease and polls (for tests and benchmarks).
        self.polling = threading.Event()

    @property
    def channel(self) -> str:
        return self.settings.channel

    @property
    def watching(self) -> bool:
        return self.is_alive()

    def run(self) -> None:
        with self.app.app_context():
            while not self._stopping.is_set():
                wait = 0.0
                try:
                    wait = self._watch()
                except Exception:
                    if self._stopping.is_set():
                        break
                    log.exception("telegram %s: watcher failed", self.channel)
                finally:
                    db.session.remove()
                # Ever slower while it keeps failing, and never sooner than Telegram asked.
                self._failures += 1
                self._stopping.wait(max(wait, min(self.settings.retry_seconds,
                                                  0.5 * 2 ** self._failures)))

    def stop(self, timeout: float = 10.0) -> None:
        """Stop at once: closing the connection ends a long poll in progress."""
        self._stopping.set()
        api = self._api
        if api is not None:
            api.close()
        self.join(timeout)

    def _watch(self) -> float:
        """Poll until an error or a lost lease; the wait Telegram asked for, if any."""
        channel_id = enabled_channel_id(self.channel)
        lease = leases.LeaseKeeper(lease_name(self.channel), self.holder,
                                   self.settings.lease_seconds)
        if channel_id is None or not lease.acquire():
            self._failures = max(self._failures, 4)  # look again in a while, not at once
            return 0.0
        try:
            with self.settings.connect() as api:
                self._api = api
                self.polling.set()
                while not self._stopping.is_set():
                    report, wait = recorded_run(api, self.settings, channel_id, lease,
                                                self.settings.poll_timeout, self._stopping)
                    if report.error is not None:
                        return wait
                    self._failures = 0
                    if not lease.keep():
                        return 0.0
                return 0.0
        finally:
            self._api = None
            self.polling.clear()
            lease.release()
