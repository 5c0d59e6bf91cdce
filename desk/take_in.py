"""The take-in loop over every channel whose driver pulls: one bounded run each.

A failing channel never stops the others: its error is in its report and on
its channel row (the driver's run writes its health), and the next run tries
again.
"""

import logging
from collections.abc import Iterable

from desk.config import DeskConfig
from desk.drivers import TakeInReport, driver_for

log = logging.getLogger(__name__)


def pull_all(holder: str, config: DeskConfig, skip: Iterable[str] = ()) -> list[TakeInReport]:
    """One run over every enabled channel not in `skip` (those a live watcher reads)."""
    skipped = set(skip)
    reports = []
    for cfg in config.channels:
        if cfg.name in skipped or not cfg.enabled:
            continue
        try:
            report = driver_for(cfg.kind).pull(cfg, config, holder)
        except Exception as exc:  # its settings, or the lease table: try the next channel
            log.exception("channel %s: take-in run failed", cfg.name)
            report = TakeInReport(cfg.name, error=f"{type(exc).__name__}: {exc}")
        if report is not None:
            reports.append(report)
    return reports
