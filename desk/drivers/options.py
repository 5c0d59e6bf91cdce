"""Reading a channel's options: the one set of readers every driver's settings use."""

from __future__ import annotations

from typing import Any

from desk.config import ChannelConfig, ConfigError

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ChannelOptions:
    """A channel's `[[channels]]` options, each checked and converted with a one-line
    ConfigError naming the file and the key. Values from DESK_CHANNEL_<NAME>_<KEY>
    variables are always strings, so every reader also takes the string form."""

    def __init__(self, cfg: ChannelConfig, source: str) -> None:
        self.cfg, self.source = cfg, source

    def _fail(self, key: str, wanted: str, value: Any) -> ConfigError:
        return ConfigError(
            f"{self.source}: 'channels.{self.cfg.name}.{key}' must be {wanted}, not {value!r}"
        )

    def text(self, key: str, default: str | None = None) -> str | None:
        value = self.cfg.options.get(key, default)
        if value is None or value == "":
            return default
        if not isinstance(value, str):
            raise self._fail(key, "a string", value)
        return value

    def required(self, key: str) -> str:
        value = self.text(key)
        if not value:
            raise ConfigError(f"{self.source}: missing setting 'channels.{self.cfg.name}.{key}'")
        return value

    def integer(self, key: str, default: int) -> int:
        value = self.cfg.options.get(key, default)
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise self._fail(key, "a positive whole number", value)
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.cfg.options.get(key, default)
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        if not isinstance(value, bool):
            raise self._fail(key, "true or false", value)
        return value

    def choice(self, key: str, allowed: tuple[str, ...], default: str) -> str:
        value = self.text(key, default)
        if value not in allowed:
            raise self._fail(key, f"one of {', '.join(allowed)}", value)
        return value

    def origins(self, key: str) -> frozenset[str]:
        """A list of origins; from the environment, one string separated by commas."""
        value = self.cfg.options.get(key, [])
        if isinstance(value, str):
            value = [v for v in value.replace(",", " ").split() if v]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self._fail(key, "a list of origins like \"https://www.kommune.no\"", value)
        origins = set()
        for origin in value:
            cleaned = origin.strip().rstrip("/").lower()
            if not cleaned.startswith(("https://", "http://")) or "/" in cleaned.split("//", 1)[1]:
                raise self._fail(key, "a list of origins like \"https://www.kommune.no\"", origin)
            origins.add(cleaned)
        return frozenset(origins)
