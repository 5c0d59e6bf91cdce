"""Phone and walk-in: inquiries an agent registers by hand, answered in person."""

from desk.drivers.base import Driver
from desk.models import IdentityKind


class PhoneDriver(Driver):
    kind = "phone"
    identity = IdentityKind.PHONE
    icon = "☎"
    answered_in_person = True


class WalkinDriver(Driver):
    kind = "walkin"
    identity = IdentityKind.PHONE
    icon = "⌂"
    answered_in_person = True
