"""The keys that encrypt stored channel secrets: `[security] channel_secrets_key`.

Several keys rotate: the first encrypts, every one decrypts, and
`desk secrets rotate` encrypts every stored secret again with the first.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from desk.config import DeskConfig


class NoKey(Exception):
    """No key is configured: secrets cannot be stored or read."""


class SecretsUnreadable(Exception):
    """No configured key opens the stored secrets (the key that made them was removed)."""


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")


class Keyring:
    def __init__(self, keys: tuple[str, ...]) -> None:
        self._fernet = MultiFernet([Fernet(k.encode("ascii")) for k in keys]) if keys else None

    @classmethod
    def of(cls, config: DeskConfig) -> Keyring:
        return cls(config.security.channel_secrets_key)

    @property
    def usable(self) -> bool:
        return self._fernet is not None

    def _need(self) -> MultiFernet:
        if self._fernet is None:
            raise NoKey("no [security] channel_secrets_key is configured")
        return self._fernet

    def seal(self, secrets: dict[str, str]) -> str | None:
        """One token of the secrets as JSON, or None when there are none."""
        if not secrets:
            return None
        return self._need().encrypt(json.dumps(secrets).encode()).decode("ascii")

    def open(self, token: str | None) -> dict[str, Any]:
        if not token:
            return {}
        try:
            return dict(json.loads(self._need().decrypt(token.encode("ascii"))))
        except InvalidToken:
            raise SecretsUnreadable("no configured channel_secrets_key opens the stored "
                                    "secrets") from None

    def rotate(self, token: str | None) -> str | None:
        """The same secrets encrypted with the first key."""
        if not token:
            return token
        try:
            return self._need().rotate(token.encode("ascii")).decode("ascii")
        except InvalidToken:
            raise SecretsUnreadable("no configured channel_secrets_key opens the stored "
                                    "secrets") from None
