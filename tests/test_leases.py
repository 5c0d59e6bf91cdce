"""desk.leases: one holder at a time, atomically, on SQLite and PostgreSQL."""

import time
from datetime import timedelta

from flask import Flask

from desk import leases
from desk.models import utcnow
from tests.conftest import at_once


def test_one_holder_until_release_or_expiry(app: Flask) -> None:
    now = utcnow()
    assert leases.acquire("mailbox:a", "w1", 60, now)
    assert leases.acquire("mailbox:a", "w1", 60, now)  # taking one's own again renews it
    assert not leases.acquire("mailbox:a", "w2", 60, now)
    assert leases.acquire("mailbox:b", "w2", 60, now)  # other names are independent
    assert leases.renew("mailbox:a", "w1", 60, now)
    assert not leases.renew("mailbox:a", "w2", 60, now)

    later = now + timedelta(seconds=61)
    assert leases.acquire("mailbox:a", "w2", 60, later)  # w1 stopped renewing
    assert not leases.renew("mailbox:a", "w1", 60, later)
    leases.release("mailbox:a", "w1")  # not w1's any more: nothing happens
    assert not leases.acquire("mailbox:a", "w3", 60, later)
    leases.release("mailbox:a", "w2")
    assert leases.acquire("mailbox:a", "w3", 60, later)


def test_racing_workers_get_one_lease(app: Flask) -> None:
    holders = [f"w{n}" for n in range(8)]
    won = at_once(app, lambda holder: leases.acquire("mailbox:race", holder, 60), holders)
    assert won.count(True) == 1 and won.count(False) == 7


def test_keeper_renews_after_a_third_of_the_lease(app: Flask) -> None:
    keeper = leases.LeaseKeeper("mailbox:k", "w1", 0.3)
    assert keeper.acquire()
    assert keeper.keep()  # too early to renew: no statement, still ours
    leases.release("mailbox:k", "w1")
    time.sleep(0.15)
    assert not keeper.keep()  # due for renewal, and the row is gone
