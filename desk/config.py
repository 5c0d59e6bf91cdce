"""Configuration: one TOML file read into frozen dataclasses, with DESK_* overrides.

This is the only module that reads the environment. The file is named by
DESK_CONFIG; without it every setting has a default that runs the desk on
SQLite in the instance folder. Any scalar setting can be overridden:

- a top-level key ``secret_key``       by ``DESK_SECRET_KEY``
- a section key ``[database] url``     by ``DESK_DATABASE_URL``
- a channel option ``password`` of the channel named ``post``
                                       by ``DESK_CHANNEL_POST_PASSWORD``
"""

import dataclasses
import os
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class ConfigError(Exception):
    """A setting is missing or wrong; the message names the key and the file."""


@dataclass(frozen=True)
class DatabaseConfig:
    # Empty means SQLite in the instance folder.
    url: str = ""
    echo: bool = False


@dataclass(frozen=True)
class AttachmentConfig:
    # Content-addressed file store; relative paths are under the instance folder.
    path: str = "attachments"
    max_bytes: int = 25 * 1024 * 1024


@dataclass(frozen=True)
class OutboxConfig:
    max_attempts: int = 8
    base_delay_seconds: float = 30.0
    max_delay_seconds: float = 3600.0
    batch_size: int = 50
    lease_seconds: int = 120


@dataclass(frozen=True)
class WorkerConfig:
    outbox_interval_seconds: float = 5.0
    poll_interval_seconds: float = 60.0
    heartbeat_interval_seconds: float = 15.0


@dataclass(frozen=True)
class ReceiptConfig:
    enabled: bool = True
    max_per_contact_per_hour: int = 3
    answer_within_working_days: int = 2


@dataclass(frozen=True)
class OpeningHoursConfig:
    # "HH:MM-HH:MM" or "" for closed.
    monday: str = "08:00-15:30"
    tuesday: str = "08:00-15:30"
    wednesday: str = "08:00-15:30"
    thursday: str = "08:00-15:30"
    friday: str = "08:00-15:30"
    saturday: str = ""
    sunday: str = ""


@dataclass(frozen=True)
class RetentionConfig:
    closed_inquiry_days: int = 730
    action: str = "anonymise"
    quarantine_days: int = 90
    dropped_days: int = 30


@dataclass(frozen=True)
class SecurityConfig:
    # Fernet keys that encrypt the secrets of channels set up on the admin page; the
    # first encrypts, every one decrypts (rotation). Make one with `desk secrets new-key`.
    channel_secrets_key: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChannelConfig:
    name: str
    kind: str
    display_name: str = ""
    # The connector that moves the bytes; defaults to the kind. "log" writes
    # outgoing messages to a file instead (demo, staging, dry runs).
    connector: str = ""
    enabled: bool = True
    receipts: bool = True
    # Connector-specific settings (hosts, accounts, secrets, file paths).
    options: Mapping[str, Any] = field(default_factory=dict)
    # Where the channel is set up: "file" (this config) or "page" (the admin page,
    # `desk.channel_setup`); a file cannot claim to be the page.
    managed: str = "file"

    @property
    def connector_name(self) -> str:
        return self.connector or self.kind


@dataclass(frozen=True)
class DeskConfig:
    secret_key: str = ""
    base_url: str = "http://127.0.0.1:5000"
    instance_path: str = ""
    default_locale: str = "nb"
    timezone: str = "Europe/Oslo"
    # Domain of the Message-IDs the desk makes; it tells our own mail from others'.
    message_id_domain: str = "desk.invalid"
    # A message for a closed inquiry: "reopen" it, or open a "new" linked one.
    reply_to_closed: str = "new"
    organisation_name: str = "Innbyggerservice"
    password_hash_fast: bool = False
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    attachments: AttachmentConfig = field(default_factory=AttachmentConfig)
    outbox: OutboxConfig = field(default_factory=OutboxConfig)
    worker: WorkerConfig = field(default_factory=WorkerConfig)
    receipts: ReceiptConfig = field(default_factory=ReceiptConfig)
    opening_hours: OpeningHoursConfig = field(default_factory=OpeningHoursConfig)
    retention: RetentionConfig = field(default_factory=RetentionConfig)
    security: SecurityConfig = field(default_factory=SecurityConfig)
    channels: tuple[ChannelConfig, ...] = ()
    # Where the settings came from, for error messages.
    source: str = "defaults"

    def channel(self, name: str) -> ChannelConfig | None:
        return next((c for c in self.channels if c.name == name), None)


_CHOICES = {
    "reply_to_closed": ("reopen", "new"),
    "retention.action": ("anonymise", "delete"),
    "default_locale": ("nb", "nn", "en"),
}
_OPENING_HOURS = re.compile(r"^(|\d\d:\d\d-\d\d:\d\d)$")


def load_config(
    path: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> DeskConfig:
    """Read the config file (DESK_CONFIG when `path` is None) and apply DESK_* overrides.

    `overrides` is a nested mapping of the same shape as the TOML file, applied
    last (tests and the demo use it).
    """
    env = os.environ if env is None else env
    path = path or env.get("DESK_CONFIG") or None
    data: dict[str, Any] = {}
    source = "defaults"
    if path is not None:
        source = str(path)
        data = _read_toml(Path(path))
    data = _merge(data, overrides or {})
    config = _build(DeskConfig, data, source, prefix="")
    config = _apply_env(config, env)
    _validate(config)
    return config


def env_value(name: str, env: Mapping[str, str] | None = None) -> str | None:
    """A DESK_* variable that is not a setting (DESK_TEST_DATABASE_URL for tests)."""
    env = os.environ if env is None else env
    return env.get(name) or None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found (named by DESK_CONFIG)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc.strerror}") from None


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(dict(merged[key]), value)
        else:
            merged[key] = value
    return merged


def _build(cls: type, data: Mapping[str, Any], source: str, prefix: str) -> Any:
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}: [{prefix.rstrip('.')}] must be a table")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)} - {"source"}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ConfigError(f"{source}: unknown setting '{prefix}{unknown[0]}'")
    values: dict[str, Any] = {}
    for name, value in data.items():
        key = prefix + name
        hint = hints[name]
        if dataclasses.is_dataclass(hint):
            values[name] = _build(hint, value, source, key + ".")
        elif name == "channels":
            values[name] = _build_channels(value, source)
        else:
            values[name] = _coerce(value, hint, key, source)
    if cls is DeskConfig:
        values["source"] = source
    missing = [
        f.name
        for f in dataclasses.fields(cls)
        if f.name not in values
        and f.default is dataclasses.MISSING
        and f.default_factory is dataclasses.MISSING
    ]
    if missing:
        raise ConfigError(f"{source}: missing setting '{prefix}{missing[0]}'")
    return cls(**values)


def _build_channels(value: Any, source: str) -> tuple[ChannelConfig, ...]:
    if not isinstance(value, list):
        raise ConfigError(f"{source}: 'channels' must be a list of [[channels]] tables")
    channels = []
    for index, item in enumerate(value):
        prefix = f"channels[{index}]."
        if not isinstance(item, Mapping):
            raise ConfigError(f"{source}: '{prefix[:-1]}' must be a table")
        known = {f.name for f in dataclasses.fields(ChannelConfig)} - {"managed"}
        fixed = {k: v for k, v in item.items() if k in known}
        options = {k: v for k, v in item.items() if k not in fixed}
        if isinstance(item.get("options"), Mapping):
            options = {**options, **item["options"]}
        fixed["options"] = types.MappingProxyType(options)
        channels.append(_build(ChannelConfig, fixed, source, prefix))
    return tuple(channels)


def _coerce(value: Any, hint: Any, key: str, source: str) -> Any:
    """Check a TOML value (or convert an environment string) to the field's type."""
    if hint is bool:
        if isinstance(value, str):
            lowered = value.strip().lower()
            if lowered in {"1", "true", "yes", "on"}:
                return True
            if lowered in {"0", "false", "no", "off", ""}:
                return False
        elif isinstance(value, bool):
            return value
    elif hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
            return int(value)
    elif hint is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
    elif hint is str:
        if isinstance(value, str):
            return value
    elif hint == tuple[str, ...]:
        # A list in the file; one string separated by commas from the environment.
        if isinstance(value, str):
            return tuple(v.strip() for v in value.split(",") if v.strip())
        if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
            return tuple(value)
    else:
        return value
    expected = {bool: "true or false", int: "a whole number", float: "a number", str: "a string",
                tuple[str, ...]: "a list of strings"}
    raise ConfigError(f"{source}: '{key}' must be {expected[hint]}, not {value!r}")


def _apply_env(config: DeskConfig, env: Mapping[str, str]) -> DeskConfig:
    """Replace every setting that has a DESK_* variable set."""
    changes: dict[str, Any] = {}
    hints = typing.get_type_hints(DeskConfig)
    for f in dataclasses.fields(DeskConfig):
        hint = hints[f.name]
        if dataclasses.is_dataclass(hint):
            section = getattr(config, f.name)
            sub = {}
            sub_hints = typing.get_type_hints(hint)
            for sf in dataclasses.fields(hint):
                var = f"DESK_{f.name}_{sf.name}".upper()
                if var in env:
                    sub[sf.name] = _coerce(env[var], sub_hints[sf.name], var, "environment")
            if sub:
                changes[f.name] = dataclasses.replace(section, **sub)
        elif f.name not in {"channels", "source"}:
            var = f"DESK_{f.name}".upper()
            if var in env:
                changes[f.name] = _coerce(env[var], hint, var, "environment")
    channels = tuple(_channel_env(channel, env) for channel in config.channels)
    if channels != config.channels:
        changes["channels"] = channels
    return dataclasses.replace(config, **changes) if changes else config


def _channel_env(channel: ChannelConfig, env: Mapping[str, str]) -> ChannelConfig:
    prefix = "DESK_CHANNEL_" + re.sub(r"\W", "_", channel.name).upper() + "_"
    found = {k[len(prefix):].lower(): v for k, v in env.items() if k.startswith(prefix)}
    if not found:
        return channel
    fixed = {f.name for f in dataclasses.fields(ChannelConfig)} - {"options", "name", "managed"}
    hints = typing.get_type_hints(ChannelConfig)
    direct = {k: _coerce(v, hints[k], prefix + k.upper(), "environment")
              for k, v in found.items() if k in fixed}
    options = {k: v for k, v in found.items() if k not in fixed}
    return dataclasses.replace(
        channel, **direct, options=types.MappingProxyType({**channel.options, **options})
    )


def _validate(config: DeskConfig) -> None:
    for key, allowed in _CHOICES.items():
        obj: Any = config
        for part in key.split("."):
            obj = getattr(obj, part)
        if obj not in allowed:
            raise ConfigError(
                f"{config.source}: '{key}' must be one of {', '.join(allowed)}, not {obj!r}"
            )
    for day in dataclasses.fields(OpeningHoursConfig):
        value = getattr(config.opening_hours, day.name)
        if not _OPENING_HOURS.match(value):
            raise ConfigError(
                f"{config.source}: 'opening_hours.{day.name}' must look like "
                f"\"08:00-15:30\" or be empty, not {value!r}"
            )
    if config.outbox.lease_seconds < 1:
        # A lease of nothing would expire at once: every worker would send every item.
        raise ConfigError(f"{config.source}: 'outbox.lease_seconds' must be at least 1")
    for key in config.security.channel_secrets_key:
        if not _fernet_key(key):
            raise ConfigError(f"{config.source}: 'security.channel_secrets_key' must be keys "
                              "made by `desk secrets new-key` (44 characters each)")
    from desk.drivers import kinds  # the registry imports this module

    known = kinds()
    seen: set[str] = set()
    for index, channel in enumerate(config.channels):
        if channel.kind not in known:
            raise ConfigError(
                f"{config.source}: 'channels[{index}].kind' must be one of "
                f"{', '.join(known)}, not {channel.kind!r}"
            )
        if channel.name in seen:
            raise ConfigError(f"{config.source}: channel name {channel.name!r} is used twice")
        seen.add(channel.name)


def _fernet_key(key: str) -> bool:
    """A Fernet key: 32 bytes in URL-safe base64 (checked here so a bad one stops the
    desk at start, with the other settings' errors)."""
    import base64
    import binascii

    try:
        return len(base64.urlsafe_b64decode(key.encode("ascii"))) == 32
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return False


def current_config() -> DeskConfig:
    """The config of the running app: the file's, with the channels set up on the admin
    page merged in (read again within seconds of a change, `desk.channel_setup.running`)."""
    from flask import current_app

    from desk.channel_setup.running import running_config

    return running_config(current_app)


def file_config() -> DeskConfig:
    """The config as the file and the environment give it, without stored channels."""
    from flask import current_app

    return current_app.extensions["desk.config"]
