"""Facebook Messenger, as far as it is built.

The kind exists so a channel of it can be configured (the demo does, with
`connector = "log"`) and its citizens have identities; its connector and
take-in come with its own driver, which replaces this. Telegram and the web
chat have their own drivers (`desk.drivers.telegram`, `desk.drivers.webchat`).
"""

from desk.drivers.base import Driver
from desk.models import IdentityKind


class FacebookDriver(Driver):
    kind = "facebook"
    identity = IdentityKind.FACEBOOK
    icon = "ƒ"


DRIVERS: tuple[Driver, ...] = (FacebookDriver(),)
