"""Named leases: one holder at a time for a piece of work (a mailbox), across workers.

Each call is one atomic statement, so two workers racing for the same lease
cannot both win, on SQLite and on PostgreSQL alike: taking is an INSERT ... ON
CONFLICT DO UPDATE that only overwrites an expired lease or our own. A holder
that dies simply stops renewing; its lease expires and another worker takes over.
"""

import time
from datetime import datetime, timedelta

from sqlalchemy import delete, update

from desk.database import insert_on_conflict, transaction
from desk.models import Lease, utcnow


def acquire(name: str, holder: str, seconds: float, now: datetime | None = None) -> bool:
    """Take `name` for `seconds` if it is free, expired, or already ours."""
    now = now or utcnow()
    expires = now + timedelta(seconds=seconds)
    statement = (
        insert_on_conflict(Lease)
        .values(name=name, holder=holder, expires_at=expires)
        .on_conflict_do_update(
            index_elements=[Lease.name],
            set_={"holder": holder, "expires_at": expires},
            where=(Lease.holder == holder) | (Lease.expires_at < now),
        )
        .returning(Lease.name)
    )
    with transaction() as session:
        return session.execute(statement).scalar() is not None


def renew(name: str, holder: str, seconds: float, now: datetime | None = None) -> bool:
    """Extend our lease; False when it is no longer ours (expired and taken)."""
    now = now or utcnow()
    with transaction() as session:
        result = session.execute(
            update(Lease)
            .where(Lease.name == name, Lease.holder == holder)
            .values(expires_at=now + timedelta(seconds=seconds))
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


def release(name: str, holder: str) -> None:
    """Give the lease up at once, so the next worker need not wait for it to expire."""
    with transaction() as session:
        session.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder))


class LeaseKeeper:
    """A lease held over a long task: `keep()` renews it once a third of it has passed."""

    def __init__(self, name: str, holder: str, seconds: float) -> None:
        self.name, self.holder, self.seconds = name, holder, seconds
        self._renewed = 0.0

    def acquire(self) -> bool:
        self._renewed = time.monotonic()
        return acquire(self.name, self.holder, self.seconds)

    def keep(self) -> bool:
        """True while the lease is still ours."""
        if time.monotonic() - self._renewed < self.seconds / 3:
            return True
        self._renewed = time.monotonic()
        return renew(self.name, self.holder, self.seconds)

    def release(self) -> None:
        release(self.name, self.holder)
