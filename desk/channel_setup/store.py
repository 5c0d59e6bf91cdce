"""Saving, testing and deleting a channel set up on the admin page.

The driver's `fields` say what is asked; its own `settings()` (and `sender()`)
validate, so a stored channel is refused with the same one-line errors as a
file channel. Secrets are sealed with the configured keys and never returned;
a blank secret on edit keeps the stored one. Every change is one transaction
with its admin-log entry (names of what changed, never values) and a new
`channel_setups.version`, which tells every process to read the set-ups again.
"""

from __future__ import annotations

import dataclasses
import re
import types
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from desk.admin.log import admin_change, record
from desk.channel_setup.keys import Keyring, NoKey, SecretsUnreadable
from desk.config import ChannelConfig, ConfigError, DeskConfig, current_config, file_config
from desk.drivers import ChannelCheckError, Driver, Field, driver_for, drivers
from desk.errors import N_, ServiceError
from desk.extensions import db
from desk.models import Channel, ChannelSetup, Setting, User, utcnow

VERSION_KEY = "channel_setups.version"
# Lower-case letters, digits, - and _: safe in URLs, in DESK_CHANNEL_<NAME>_<KEY>
# and in lease names, and the same in every form of the name.
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_OPTION_KEY = re.compile(r"'channels\.[^.']+\.(\w+)'")


class SetupInvalid(ServiceError):
    """The set-up cannot be saved; `problems` pairs an option key (None: the whole form)
    with what is wrong with it, the first also being the exception's message."""

    def __init__(self, message: str, field: str | None = None,
                 more: tuple[tuple[str | None, str], ...] = ()) -> None:
        super().__init__(message)
        self.problems = ((field, message), *more)


class CheckFailed(ServiceError):
    """The connection test failed; the message says what failed."""


@dataclass(frozen=True)
class SetupInput:
    """What the form gave: option values as typed by `field_value`, secrets as entered
    (a blank or missing one keeps the stored value)."""

    name: str
    kind: str
    display_name: str = ""
    enabled: bool = True
    receipts: bool = True
    options: dict[str, Any] = dataclasses.field(default_factory=dict)
    secrets: dict[str, str] = dataclasses.field(default_factory=dict)


def offered() -> list[Driver]:
    """The kinds that can be set up on the page: those whose driver has `fields`."""
    return [d for d in drivers() if d.fields]


def field_value(field: Field, raw: Any) -> Any:
    """A form value as the option the driver reads: None leaves the option unset.

    Integers that are not whole numbers stay text, so the driver's own reader
    says what is wrong with them, in the words the file's errors use.
    """
    if field.kind == "flag":
        return bool(raw)
    text = raw.strip() if isinstance(raw, str) else raw
    if text is None or text == "":
        return None
    if field.kind == "integer" and isinstance(text, str) and re.fullmatch(r"-?\d+", text):
        return int(text)
    if field.kind == "origins" and isinstance(text, str):
        return [v for v in text.replace(",", " ").split() if v]
    return text


def all_setups() -> list[ChannelSetup]:
    return list(db.session.scalars(select(ChannelSetup).order_by(ChannelSetup.name)))


def setup_named(name: str) -> ChannelSetup | None:
    return db.session.scalar(select(ChannelSetup).where(ChannelSetup.name == name))


def file_names(config: DeskConfig | None = None) -> set[str]:
    """Names the file (or the desk itself) owns: a stored set-up may not take them."""
    from desk.channels import BUILT_IN

    config = config or file_config()
    return {c.name for c in config.channels} | {c.name for c in BUILT_IN}


def channel_config(setup: ChannelSetup, keyring: Keyring) -> ChannelConfig:
    """The stored set-up as the `[[channels]]` table the drivers read; raises NoKey or
    SecretsUnreadable when it has secrets the keys cannot open."""
    options = {**setup.options, **keyring.open(setup.secrets)}
    return ChannelConfig(name=setup.name, kind=setup.kind, display_name=setup.display_name,
                         enabled=setup.enabled, receipts=setup.receipts,
                         options=types.MappingProxyType(options), managed="page")


def _draft(data: SetupInput, stored: ChannelSetup | None, keyring: Keyring
           ) -> tuple[ChannelConfig, dict[str, str]]:
    """The channel as it would run with `data`, and the secrets it would keep."""
    driver = _driver(data.kind)
    secret_keys = {f.key for f in driver.fields if f.kind == "secret"}
    kept: dict[str, str] = {}
    if stored is not None and stored.secrets:
        try:
            kept = {k: v for k, v in keyring.open(stored.secrets).items() if k in secret_keys}
        except (NoKey, SecretsUnreadable) as exc:
            if not all(data.secrets.get(k) for k in secret_keys):
                raise SetupInvalid(N_("The stored secrets cannot be read with the configured "
                                      "key; enter every secret again.")) from exc
    secrets = {**kept, **{k: v for k, v in data.secrets.items() if k in secret_keys and v}}
    known = {f.key for f in driver.fields} - secret_keys
    options = {k: v for k, v in data.options.items() if k in known and v is not None}
    missing = [(f.key, N_("This field is required.")) for f in driver.fields
               if f.required and not (options.get(f.key) or secrets.get(f.key))]
    if missing:
        raise SetupInvalid(missing[0][1], missing[0][0], tuple(missing[1:]))
    cfg = ChannelConfig(name=data.name, kind=data.kind, display_name=data.display_name,
                        enabled=data.enabled, receipts=data.receipts,
                        options=types.MappingProxyType({**options, **secrets}), managed="page")
    return cfg, secrets


def _driver(kind: str) -> Driver:
    try:
        driver = driver_for(kind)
    except ConfigError:
        driver = None
    if driver is None or not driver.fields:
        raise SetupInvalid(N_("This kind of channel cannot be set up here."))
    return driver


def _validate(cfg: ChannelConfig, config: DeskConfig) -> None:
    """The driver's own reading of the settings; its ConfigError tied to its field."""
    driver = driver_for(cfg.kind)
    checked = dataclasses.replace(config, source="set-up")
    try:
        driver.settings(cfg, checked)
        driver.sender(cfg, checked, Path(current_app.instance_path))
    except (ConfigError, ValueError) as exc:
        message = str(exc).removeprefix("set-up: ")
        match = _OPTION_KEY.search(message)
        raise SetupInvalid(message, match.group(1) if match else None) from None


def _check_name(session: Session, data: SetupInput, stored: ChannelSetup | None) -> None:
    if stored is not None:
        return  # a set-up keeps its name: its channel row, cursor and history go by it
    if not NAME.match(data.name):
        raise SetupInvalid(N_("Use 1 to 40 lower-case letters, digits, - or _, starting with "
                              "a letter or digit."), "name")
    if data.name in file_names():
        raise SetupInvalid(N_("A channel of this name is in the configuration file."), "name")
    if session.scalar(select(ChannelSetup.id).where(ChannelSetup.name == data.name)):
        raise SetupInvalid(N_("A channel of this name is already set up here."), "name")


def save(actor: User, data: SetupInput, existing: str | None = None) -> ChannelSetup:
    """Create (existing None) or change the set-up named `existing`."""
    config = current_config()
    keyring = Keyring.of(config)
    with admin_change(actor) as session:
        stored = None
        if existing is not None:
            stored = session.scalar(select(ChannelSetup).where(ChannelSetup.name == existing)
                                    .with_for_update())
            if stored is None:
                raise ServiceError(N_("It no longer exists; reload the page."))
            data = dataclasses.replace(data, name=stored.name, kind=stored.kind)
        _check_name(session, data, stored)
        cfg, secrets = _draft(data, stored, keyring)
        _validate(cfg, config)
        if secrets and not keyring.usable:
            raise SetupInvalid(N_("No key to encrypt secrets is configured, so none can be "
                                  "stored. Set [security] channel_secrets_key first."))
        options = {k: v for k, v in cfg.options.items() if k not in secrets}
        action = "channel_setup.created" if stored is None else "channel_setup.changed"
        changed = _changes(stored, data, options, keyring, secrets)
        if stored is None:
            stored = ChannelSetup(name=data.name, kind=data.kind, created_by_id=actor.id)
            session.add(stored)
        stored.display_name = data.display_name or data.name
        stored.enabled, stored.receipts = data.enabled, data.receipts
        stored.options = options
        stored.secrets = keyring.seal(secrets) if secrets else None
        stored.updated_by_id, stored.updated_at = actor.id, utcnow()
        session.flush()
        record(session, actor, action, f"channel_setup:{stored.name}", name=stored.name,
               kind=stored.kind, changed=changed or None)
        # The channel's last error was about the settings it ran with until now.
        session.execute(update(Channel).where(Channel.name == stored.name)
                        .values(last_error=None))
        _announce(session)
    _after_change()
    return stored


def _changes(stored: ChannelSetup | None, data: SetupInput, options: dict[str, Any],
             keyring: Keyring, secrets: dict[str, str]) -> list[str]:
    """The names (never the values) of what a change changes, for the admin log."""
    if stored is None:
        return sorted({*options, *secrets})
    before: dict[str, Any] = {**stored.options, "display_name": stored.display_name,
                              "enabled": stored.enabled, "receipts": stored.receipts}
    after: dict[str, Any] = {**options, "display_name": data.display_name or data.name,
                             "enabled": data.enabled, "receipts": data.receipts}
    names = {k for k in {*before, *after} if before.get(k) != after.get(k)}
    try:
        old = keyring.open(stored.secrets)
    except (NoKey, SecretsUnreadable):
        old = {}
    names |= {k for k in {*old, *secrets} if old.get(k) != secrets.get(k)}
    return sorted(names)


def delete(actor: User, name: str) -> None:
    """Remove the set-up; its channel row stays (inquiries refer to it), disabled."""
    with admin_change(actor) as session:
        stored = session.scalar(select(ChannelSetup).where(ChannelSetup.name == name))
        if stored is None:
            raise ServiceError(N_("It no longer exists; reload the page."))
        session.delete(stored)
        record(session, actor, "channel_setup.deleted", f"channel_setup:{name}", name=name,
               kind=stored.kind)
        _announce(session)
    _after_change()


def set_enabled(session: Session, name: str, enabled: bool) -> bool:
    """Switch a stored set-up on or off in the caller's transaction (the channels page's
    button); False when `name` is not set up here."""
    stored = session.scalar(select(ChannelSetup).where(ChannelSetup.name == name))
    if stored is None:
        return False
    stored.enabled = enabled
    _announce(session)
    return True


def check(data: SetupInput, existing: str | None = None) -> str:
    """Test the connection with the entered settings (blank secrets: the stored ones),
    nothing saved; one line saying what answered, or CheckFailed / SetupInvalid."""
    config = current_config()
    stored = setup_named(existing) if existing is not None else None
    if stored is not None:
        data = dataclasses.replace(data, name=stored.name, kind=stored.kind)
    elif not NAME.match(data.name):
        data = dataclasses.replace(data, name="new")  # a name is not needed to test
    cfg, _ = _draft(data, stored, Keyring.of(config))
    _validate(cfg, config)
    return _checked(cfg, config, mended=False)  # settings not saved: not what runs


def check_running(name: str) -> str:
    """Test the connection of a running channel as it is configured (the file's own);
    CheckFailed says what failed."""
    config = current_config()
    cfg = config.channel(name)
    if cfg is None:
        raise CheckFailed("no such channel")
    return _checked(cfg, config, mended=True)


def _checked(cfg: ChannelConfig, config: DeskConfig, mended: bool) -> str:
    """The driver's test. When it passes with the settings the channel runs with, the
    channel's last error is stale (a token mended, a server back): it is cleared, so a
    mark only a take-in run would clear (a push channel has none) does not stay."""
    try:
        line = driver_for(cfg.kind).check(cfg, config, Path(current_app.instance_path))
    except ChannelCheckError as exc:
        raise CheckFailed(str(exc)) from None
    except Exception as exc:  # a driver's unforeseen failure is still a line, not a 500
        raise CheckFailed(f"{type(exc).__name__}: {exc}") from None
    if mended:
        from desk.channels import channel_by_name, record_error

        record_error(channel_by_name(cfg.name).id, utcnow(), None)
    return line


def rotate_secrets(config: DeskConfig) -> int:
    """Encrypt every stored secret again with the first key (`desk secrets rotate`);
    how many set-ups were rewritten."""
    from desk.database import transaction

    keyring = Keyring.of(config)
    count = 0
    with transaction() as session:
        for stored in session.scalars(select(ChannelSetup).where(ChannelSetup.secrets.is_not(
                None)).with_for_update()):
            stored.secrets = keyring.rotate(stored.secrets)
            count += 1
        if count:
            _announce(session)
    return count


def _announce(session: Session) -> None:
    """A new version value: every process reads the set-ups again when it sees it."""
    row = session.get(Setting, VERSION_KEY)
    if row is None:
        session.add(Setting(key=VERSION_KEY, value=uuid.uuid4().hex))
    else:
        row.value = uuid.uuid4().hex


def _after_change() -> None:
    """This process sees its own change at once; the channel rows follow it."""
    from desk.channel_setup.running import forget
    from desk.channels import sync_channels

    forget(current_app)
    sync_channels()
