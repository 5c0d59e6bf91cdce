"""Telegram, as far as it is built.

The kind exists so a channel of it can be configured (the demo does, with
`connector = "log"`) and its citizens have identities; its connector and
take-in come with its own driver, which replaces this one. Facebook has its
own driver (`desk.drivers.facebook`), the web chat too (`desk.drivers.webchat`).
"""

from desk.drivers.base import Driver
from desk.models import IdentityKind


class TelegramDriver(Driver):
    kind = "telegram"
    identity = IdentityKind.TELEGRAM
    icon = "✈"


DRIVERS: tuple[Driver, ...] = (TelegramDriver(),)
