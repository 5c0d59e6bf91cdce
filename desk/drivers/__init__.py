"""The registry of channel drivers: one driver per channel kind, found by its kind.

A new channel kind is a new module here with a `Driver` subclass and one
`register` call in `_built_in()`; nothing else in the desk names a kind.
"""

from __future__ import annotations

from pathlib import Path

from connectors.base import Sender
from desk.config import ChannelConfig, ConfigError, DeskConfig
from desk.drivers.base import ChannelCheckError, Driver, Field, TakeInReport, Watcher

__all__ = ["ChannelCheckError", "Driver", "Field", "TakeInReport", "Watcher", "build_sender",
           "driver_for", "drivers", "kinds", "register", "unregister"]

_DRIVERS: dict[str, Driver] = {}


def register(driver: Driver) -> Driver:
    """Add `driver` for its kind (a test may register a kind of its own)."""
    _DRIVERS[driver.kind] = driver
    return driver


def unregister(kind: str) -> None:
    _DRIVERS.pop(kind, None)


def drivers() -> tuple[Driver, ...]:
    _built_in()
    return tuple(_DRIVERS.values())


def kinds() -> tuple[str, ...]:
    return tuple(d.kind for d in drivers())


def driver_for(kind: str) -> Driver:
    """The driver of `kind`; ConfigError for a kind nobody registered."""
    _built_in()
    try:
        return _DRIVERS[kind]
    except KeyError:
        raise ConfigError(f"no channel driver for the kind {kind!r}; one of "
                          f"{', '.join(_DRIVERS)}") from None


def build_sender(cfg: ChannelConfig, instance: Path, config: DeskConfig) -> Sender | None:
    """The connector that sends on `cfg`, or None when the channel cannot send.

    `connector = "log"` writes what any channel would send to a file instead
    (the demo, staging, dry runs); relative paths are under the instance folder.
    """
    if cfg.connector == "log":
        from connectors.log import LogSender

        return LogSender(path=str(instance / str(cfg.options.get("path", "outbox.log"))))
    return driver_for(cfg.kind).sender(cfg, config, instance)


_LOADED = False


def _built_in() -> None:
    """Register the desk's own drivers, once, on first use (they import the models)."""
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    from desk.drivers import email, facebook, manual, telegram, webchat

    for driver in (email.EmailDriver(), email.ImportDriver(), email.LogDriver(),
                   manual.PhoneDriver(), manual.WalkinDriver(), facebook.FacebookDriver(),
                   telegram.TelegramDriver(), webchat.WebchatDriver()):
        _DRIVERS.setdefault(driver.kind, driver)
