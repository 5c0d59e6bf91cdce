"""Telegram and Facebook Messenger, as far as they are built.

The kinds exist so a channel of them can be configured (the demo does, with
`connector = "log"`) and its citizens have identities; their connectors and
take-in come with their own drivers, which replace these. The web chat has
its own driver (`desk.drivers.webchat`).
"""

from desk.drivers.base import Driver
from desk.models import IdentityKind


class TelegramDriver(Driver):
    kind = "telegram"
    identity = IdentityKind.TELEGRAM
    icon = "✈"


class FacebookDriver(Driver):
    kind = "facebook"
    identity = IdentityKind.FACEBOOK
    icon = "ƒ"


DRIVERS: tuple[Driver, ...] = (TelegramDriver(), FacebookDriver())
