"""The running config: the file's channels, with the ones set up on the admin page.

Every process (web or worker) keeps the merged config and, at most every
CHECK_SECONDS, reads one small row (the `channel_setups.version` setting) to
learn whether a set-up changed; only then does it read the set-ups again. So a
change reaches every process within seconds, without a restart, for the price
of one primary-key read. The read uses a connection of its own, never the
caller's session, so it cannot disturb the caller's transaction.

The file wins a name clash (the admin page says so). A stored channel whose
kind no driver knows, or whose secrets no key opens, is left out with a warning
(and kept without its secrets, so the page can still show and mend it).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
import types
from dataclasses import dataclass, field

from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from desk.channel_setup.keys import Keyring, NoKey, SecretsUnreadable
from desk.channel_setup.store import VERSION_KEY, channel_config, file_names
from desk.config import ChannelConfig, ConfigError, DeskConfig
from desk.drivers import driver_for
from desk.extensions import db
from desk.models import ChannelSetup, Setting

log = logging.getLogger(__name__)

# How stale a process's view of the stored channels may be, at most.
CHECK_SECONDS = 2.0


@dataclass
class _Running:
    lock: threading.Lock = field(default_factory=threading.Lock)
    config: DeskConfig | None = None
    version: str | None = None
    checked: float = float("-inf")
    # Per set-up, why it is not running (no key, unknown kind), for the admin page.
    problems: dict[str, str] = field(default_factory=dict)


def _state(app: Flask) -> _Running:
    return app.extensions.setdefault("desk.running_config", _Running())


def running_config(app: Flask, refresh: bool = False) -> DeskConfig:
    """The merged config; `refresh` checks the version now (the worker's jobs do)."""
    state, base = _state(app), app.extensions["desk.config"]
    with state.lock:
        now = time.monotonic()
        if state.config is not None and not refresh and now - state.checked < CHECK_SECONDS:
            return state.config
        state.checked = now
        try:
            with Session(db.engine) as session:
                version = session.scalar(select(Setting.value).where(Setting.key == VERSION_KEY))
                if state.config is not None and version == state.version:
                    return state.config
                setups = list(session.scalars(select(ChannelSetup).order_by(ChannelSetup.name)))
                state.config, state.problems = _merge(base, setups)
                state.version = version
        except SQLAlchemyError as exc:  # no schema yet, or the database is away for now
            log.debug("stored channels not read: %s", exc)
        return state.config or base


def problems(app: Flask) -> dict[str, str]:
    """Why stored set-ups are not running, by name."""
    running_config(app)
    return dict(_state(app).problems)


def forget(app: Flask) -> None:
    """Read the set-ups again on the next call (after this process changed one)."""
    state = _state(app)
    with state.lock:
        state.config, state.version, state.checked = None, None, float("-inf")


def _merge(base: DeskConfig, setups: list[ChannelSetup]) -> tuple[DeskConfig, dict[str, str]]:
    taken = file_names(base)
    keyring = Keyring.of(base)
    stored: list[ChannelConfig] = []
    problems: dict[str, str] = {}
    for setup in setups:
        if setup.name in taken:
            problems[setup.name] = "a channel of this name is in the configuration file"
            continue
        try:
            driver_for(setup.kind)
            stored.append(channel_config(setup, keyring))
        except ConfigError as exc:
            problems[setup.name] = str(exc)
        except (NoKey, SecretsUnreadable) as exc:
            problems[setup.name] = str(exc)
            # Kept, but off: it would run without its secrets, failing at every run.
            stored.append(ChannelConfig(name=setup.name, kind=setup.kind, enabled=False,
                                        display_name=setup.display_name,
                                        options=types.MappingProxyType(dict(setup.options)),
                                        managed="page"))
    for name, problem in problems.items():
        log.warning("stored channel %s is not running: %s", name, problem)
    if not stored:
        return base, problems
    return dataclasses.replace(base, channels=base.channels + tuple(stored)), problems
