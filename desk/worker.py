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

from desk.channel_setup.running import running_config
from desk.config import ChannelConfig, DeskConfig, current_config
from desk.database import transaction
from desk.drivers import Watcher, driver_for
from desk.models import WorkerHeartbeat, utcnow
from desk.outbox import dispatch_due
from desk.quarantine import purge_expired
from desk.take_in import pull_all

log = logging.getLogger(__name__)
_HOUR = 3600.0
# Idle chats end within this long of their idle time.
_UPKEEP = 30.0
# A channel set up, changed or removed on the admin page reaches the live watchers
# within this long (and the take-in job at its next run).
_FOLLOW = 5.0


def quiet_scheduler_logs() -> None:
    """APScheduler logs every run of every job at INFO ("executed successfully"): with
    jobs every few seconds that was most of the worker's log, burying the warnings
    an operator needs. Its own warnings and errors (a missed run, a crash) stay."""
    for name in ("apscheduler.executors.default", "apscheduler.scheduler"):
        logging.getLogger(name).setLevel(logging.WARNING)


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
        # Each channel's live watchers, with the settings they were started with.
        self._watched: dict[str, tuple[ChannelConfig, list[Watcher]]] = {}

    @property
    def watchers(self) -> list[Watcher]:
        return [w for _, started in self._watched.values() for w in started]

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

    def take_in(self) -> None:
        """One bounded run over every channel whose driver pulls, but those a live
        watcher of this worker reads; others' are skipped by their lease."""
        watched = {w.channel for w in self.watchers if w.watching}
        config = running_config(self.app, refresh=True)  # channels set up since the last run
        for report in pull_all(self.worker_id, config, skip=watched):
            if report.error or report.outcomes:
                log.info("channel %s: %s%s", report.channel, dict(report.outcomes),
                         f", error: {report.error}" if report.error else "")

    def upkeep(self) -> None:
        """Each channel's periodic work (its driver's `upkeep`: ending idle chats);
        one channel's failure is logged and the others still run."""
        config = current_config()
        for cfg in config.channels:
            if not cfg.enabled:
                continue
            try:
                done = driver_for(cfg.kind).upkeep(cfg, config, utcnow())
            except Exception:
                log.exception("upkeep of channel %s failed", cfg.name)
                continue
            if done:
                log.info("channel %s: upkeep handled %s items", cfg.name, done)

    def purge_quarantine(self) -> None:
        purged = purge_expired()
        if purged:
            log.info("quarantine: %s expired items deleted", purged)

    def start_watchers(self) -> None:
        """The live take-in threads the channels' drivers want (raises ConfigError on
        bad options)."""
        with self.app.app_context():
            self._follow(current_config(), strict=True)

    def follow_channels(self) -> None:
        """Start, stop or restart live watchers as channels are set up, changed, switched
        off or removed (on the admin page) since the last look: no restart needed."""
        self._follow(running_config(self.app, refresh=True), strict=False)

    def _follow(self, config: DeskConfig, strict: bool) -> None:
        wanted = {c.name: c for c in config.channels if c.enabled}
        for name, (cfg, started) in list(self._watched.items()):
            if wanted.get(name) != cfg:
                for watcher in started:
                    watcher.stop()
                del self._watched[name]
                if started:
                    log.info("channel %s changed or left: its live take-in stopped", name)
        for name, cfg in wanted.items():
            if name in self._watched:
                continue
            try:
                started = driver_for(cfg.kind).watchers(self.app, cfg, config, self.worker_id)
            except Exception:
                if strict:
                    raise
                # Tried again when its set-up changes; the take-in job names the fault.
                log.exception("channel %s: live take-in not started", name)
                started = []
            self._watched[name] = (cfg, started)

    def stop_watchers(self) -> None:
        for _, started in self._watched.values():
            for watcher in started:
                watcher.stop()
        self._watched.clear()

    def add_jobs(self, scheduler: BaseScheduler) -> None:
        with self.app.app_context():
            settings = current_config().worker
        jobs = (
            ("heartbeat", lambda: beat(self.worker_id), settings.heartbeat_interval_seconds),
            ("outbox", self.dispatch_outbox, settings.outbox_interval_seconds),
            ("take-in", self.take_in, settings.poll_interval_seconds),
            ("quarantine", self.purge_quarantine, _HOUR),
            ("upkeep", self.upkeep, _UPKEEP),
            ("channels", self.follow_channels, _FOLLOW),
        )
        for name, func, seconds in jobs:
            # One run of a job at a time; a missed run is folded into the next.
            scheduler.add_job(self._job(name, func), "interval", seconds=seconds, id=name,
                              max_instances=1, coalesce=True, next_run_time=utcnow())

    def run_forever(self) -> None:
        quiet_scheduler_logs()
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
        quiet_scheduler_logs()
        scheduler = BackgroundScheduler(timezone="UTC", daemon=True)
        self.start_watchers()
        self.add_jobs(scheduler)
        scheduler.start()
        return scheduler
