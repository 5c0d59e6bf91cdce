"""The worker process: APScheduler jobs that move messages in and out.

Stateless: everything it knows is in the database, so any number of workers
can run. Each job is bounded (a batch per run), runs in its own app context,
and logs and carries on after an error, so one failure never stops the loop.
"""

import logging
import os
import signal
import socket
from collections.abc import Callable
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask
from sqlalchemy import select

from desk.config import current_config
from desk.database import transaction
from desk.mail.fetch import fetch_all, mailboxes
from desk.mail.idle import IdleWatcher
from desk.models import WorkerHeartbeat, utcnow
from desk.outbox import dispatch_due
from desk.quarantine import purge_expired

log = logging.getLogger(__name__)
_HOUR = 3600.0


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def beat(worker_id: str) -> None:
    """Tell /healthz this worker is alive."""
    with transaction() as session:
        row = session.scalar(select(WorkerHeartbeat).where(WorkerHeartbeat.worker_id == worker_id))
        if row is None:
            session.add(WorkerHeartbeat(worker_id=worker_id))
        else:
            row.last_seen_at = utcnow()


class Worker:
    def __init__(self, app: Flask, worker_id: str | None = None) -> None:
        self.app = app
        self.worker_id = worker_id or default_worker_id()
        self.watchers: list[IdleWatcher] = []

    def _job(self, name: str, func: Callable[[], Any]) -> Callable[[], None]:
        def run() -> None:
            with self.app.app_context():
                try:
                    func()
                except Exception:
                    log.exception("worker job %s failed; it runs again on schedule", name)

        run.__name__ = name
        return run

    def dispatch_outbox(self) -> None:
        report = dispatch_due(self.worker_id)
        if report.sent or report.retrying or report.failed:
            log.info("outbox: %s sent, %s retrying, %s failed", len(report.sent),
                     len(report.retrying), len(report.failed))

    def poll_mailboxes(self) -> None:
        """Read every mailbox no IDLE watcher of this worker is watching.

        Mailboxes that another worker watches are skipped by their lease.
        """
        watched = {w.settings.channel for w in self.watchers if w.is_alive() and not w.no_idle}
        for report in fetch_all(self.worker_id, current_config(), skip=watched):
            if report.error or report.outcomes:
                log.info("mailbox %s: %s%s", report.channel, dict(report.outcomes),
                         f", error: {report.error}" if report.error else "")

    def purge_quarantine(self) -> None:
        purged = purge_expired()
        if purged:
            log.info("quarantine: %s expired items deleted", purged)

    def start_watchers(self) -> None:
        """An IDLE thread per mailbox that wants one (raises ConfigError on bad options)."""
        with self.app.app_context():
            config = current_config()
            wanted = [m for m in mailboxes(config) if m.idle]
        for settings in wanted:
            # Its own lease holder: the poll job of this same worker must not share it.
            watcher = IdleWatcher(self.app, settings, f"{self.worker_id}/idle",
                                  config.worker.poll_interval_seconds)
            watcher.start()
            self.watchers.append(watcher)

    def stop_watchers(self) -> None:
        for watcher in self.watchers:
            watcher.stop()
        self.watchers.clear()

    def add_jobs(self, scheduler: BaseScheduler) -> None:
        with self.app.app_context():
            settings = current_config().worker
        jobs = (
            ("heartbeat", lambda: beat(self.worker_id), settings.heartbeat_interval_seconds),
            ("outbox", self.dispatch_outbox, settings.outbox_interval_seconds),
            ("mailboxes", self.poll_mailboxes, settings.poll_interval_seconds),
            ("quarantine", self.purge_quarantine, _HOUR),
        )
        for name, func, seconds in jobs:
            # One run of a job at a time; a missed run is folded into the next.
            scheduler.add_job(self._job(name, func), "interval", seconds=seconds, id=name,
                              max_instances=1, coalesce=True, next_run_time=utcnow())

    def run_forever(self) -> None:
        scheduler = BlockingScheduler(timezone="UTC")
        self.start_watchers()
        self.add_jobs(scheduler)
        signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=False))
        log.info("worker %s started", self.worker_id)
        try:
            scheduler.start()
        finally:
            self.stop_watchers()  # gives the mailbox leases back at once

    def start_background(self) -> BackgroundScheduler:
        """Jobs and IDLE watchers in threads; end with `shutdown()` then `stop_watchers()`."""
        scheduler = BackgroundScheduler(timezone="UTC", daemon=True)
        self.start_watchers()
        self.add_jobs(scheduler)
        scheduler.start()
        return scheduler
