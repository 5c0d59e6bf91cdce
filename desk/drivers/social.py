"""Telegram, Facebook Messenger and the web chat, as far as they are built.

The kinds exist so a channel of them can be configured (the demo does, with
`connector = "log"`) and its citizens have identities; their connectors,
take-in and live chat come with their own drivers, which replace these.
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


class WebchatDriver(Driver):
    kind = "webchat"
    identity = IdentityKind.WEBCHAT
    icon = "◉"


DRIVERS: tuple[Driver, ...] = (TelegramDriver(), FacebookDriver(), WebchatDriver())
