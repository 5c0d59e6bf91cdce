"""Server time of the queue and inquiry pages at 100,000 and 1,000,000 inquiries.

Builds (once, then reuses) a database with N inquiries, one citizen message
and one event each, written in bulk with executemany; a SQLite file is cached
under bench/out/. Then times requests through the Flask test client (the
timer is around `client.get`, so it is server time without a network):
the queue's default view, a filtered view, a deep page by keyset cursor, and
the inquiry page. Prints median and p95 in ms; the target is p95 < 100 ms.

    .venv/bin/python bench/ui_latency.py --inquiries 100000
    .venv/bin/python bench/ui_latency.py --inquiries 1000000 \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_ui

On PostgreSQL the database's public schema is dropped and rebuilt when it does
not hold exactly N inquiries: give it a scratch database.
"""

import argparse
import base64
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, insert, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from desk import create_app  # noqa: E402
from desk.config import load_config  # noqa: E402
from desk.extensions import db  # noqa: E402
from desk.models import (  # noqa: E402
    OPEN_STATUSES,
    Channel,
    Contact,
    Direction,
    Event,
    EventKind,
    Inquiry,
    Message,
    Priority,
    Role,
    Status,
    Unit,
)

OUT = ROOT / "bench" / "out"
CHUNK = 20_000
CHANNELS = [
    {"name": "post", "kind": "email", "display_name": "Postmottak", "connector": "log",
     "path": "outbox.log"},
    {"name": "telegram", "kind": "telegram", "display_name": "Telegram", "connector": "log",
     "path": "outbox.log"},
]
# Most of a year's inquiries are finished; the open ones are the recent share.
STATUS_MIX = ((Status.CLOSED, 60), (Status.RESOLVED, 25), (Status.OPEN, 6), (Status.WAITING, 5),
              (Status.NEW, 4))


def build_app(url: str) -> Any:
    OUT.mkdir(parents=True, exist_ok=True)
    return create_app(load_config(env={}, overrides={
        "database": {"url": url}, "instance_path": str(OUT / "instance"),
        "secret_key": "bench", "password_hash_fast": True, "channels": CHANNELS}))


def prepare(url: str, count: int) -> float:
    """Make the database hold `count` inquiries; returns the build time (0 if cached)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            have = connection.execute(select(func.count()).select_from(Inquiry.__table__)).scalar()
    except Exception:  # no schema yet
        have = None
    if have == count:
        engine.dispose()
        return 0.0
    if url.startswith("sqlite"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    else:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    started = time.perf_counter()
    app = build_app(url)
    with app.app_context():
        from flask_migrate import upgrade

        from desk.channels import sync_channels
        from desk.users import create_user

        upgrade()
        sync_channels()
        for slug in ("byggesak", "skole", "helse"):
            db.session.add(Unit(slug=slug, name=slug.title()))
        db.session.commit()
        create_user("agent", "secret", Role.AGENT, "Agent")
        create_user("leader", "secret", Role.UNIT_LEADER, "Leader", unit_slugs=("byggesak",))
        _fill(count)
        with db.engine.begin() as connection:
            connection.execute(text("ANALYZE"))  # planner statistics, as in production
        db.engine.dispose()
    return time.perf_counter() - started


def _fill(count: int) -> None:
    rng = random.Random(2026)
    channels = [c.id for c in db.session.scalars(select(Channel).where(
        Channel.name.in_(["post", "telegram", "phone"])))]
    units = [None, None, *db.session.scalars(select(Unit.id))]
    contacts = max(count // 5, 10)
    db.session.execute(insert(Contact.__table__), [
        {"display_name": f"Innbygger {i}", "created_at": datetime.now(UTC)}
        for i in range(contacts)])
    statuses, weights = zip(*STATUS_MIX, strict=True)
    now = datetime.now(UTC)
    span = 365 * 86400
    for start in range(0, count, CHUNK):
        stop = min(start + CHUNK, count)
        inquiries, messages, events = [], [], []
        for n in range(start, stop):
            # Ids grow with time, as in a real desk; open ones are the young ones.
            at = now - timedelta(seconds=span * (count - n) / count)
            status = rng.choices(statuses, weights)[0] if n < count * 0.97 else \
                rng.choice(OPEN_STATUSES)
            inquiries.append({
                "id": n + 1, "reference": f"{at.year}-{n + 1:07d}",
                "subject": f"Henvendelse {n + 1} om {rng.choice(['søppel', 'skole', 'vei'])}",
                "status": status.value, "priority": rng.choice(list(Priority)).value,
                "language": "nb", "unit_id": rng.choice(units), "sensitive": False,
                "spam": False, "link_unconfirmed": False, "channel_id": rng.choice(channels),
                "contact_id": rng.randrange(1, contacts + 1), "created_at": at,
                "updated_at": at, "last_message_at": at})
            messages.append({
                "inquiry_id": n + 1, "direction": Direction.INBOUND.value,
                "channel_id": inquiries[-1]["channel_id"], "external_id": f"bench-{n + 1}",
                "contact_id": inquiries[-1]["contact_id"], "sender_name": "Innbygger",
                "subject": inquiries[-1]["subject"], "automatic": False,
                "text": "Hei, jeg lurer på noe om tømming av søppel i gata vår. " * 3,
                "created_at": at})
            events.append({"inquiry_id": n + 1, "kind": EventKind.CREATED.value,
                           "at": at, "data": {}})
        db.session.execute(insert(Inquiry.__table__), inquiries)
        db.session.execute(insert(Message.__table__), messages)
        db.session.execute(insert(Event.__table__), events)
        db.session.commit()
        print(f"  {stop:,} inquiries written", file=sys.stderr, flush=True)


def _cursor(at: datetime, inquiry_id: int) -> str:
    """A queue cursor (the format of desk.queries) pointing into the middle of the list."""
    raw = f"{at.astimezone(UTC).isoformat()}|{inquiry_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def measure(url: str, repeats: int) -> dict[str, list[float]]:
    app = build_app(url)
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    client.post("/login", data={"username": "agent", "password": "secret"})
    with app.app_context():
        email = db.session.scalar(select(Channel.id).where(Channel.name == "post"))
        open_count = db.session.scalar(select(func.count(Inquiry.id)).where(
            Inquiry.status.in_(OPEN_STATUSES)))
        deep = db.session.execute(
            select(Inquiry.created_at, Inquiry.id).where(Inquiry.status.in_(OPEN_STATUSES))
            .order_by(Inquiry.created_at.desc(), Inquiry.id.desc())
            .offset(int(open_count * 0.9)).limit(1)).one()
        top = db.session.scalar(select(func.max(Inquiry.id)))
    rng = random.Random(7)
    pages = {
        "queue, default view": lambda: "/",
        "queue, filtered (channel + priority)": lambda: f"/?channel={email}&priority=high",
        "queue, deep page (keyset)": lambda: f"/?after={_cursor(*deep)}",
        "inquiry page": lambda: f"/inquiries/{rng.randrange(1, top + 1)}",
    }
    timings: dict[str, list[float]] = {}
    for name, path in pages.items():
        for _ in range(3):  # warm caches and the connection pool
            client.get(path())
        samples = []
        for _ in range(repeats):
            target = path()
            started = time.perf_counter()
            response = client.get(target)
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (target, response.status_code)
        timings[name] = samples
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inquiries", type=int, default=100_000)
    parser.add_argument("--database-url", help="default: a cached SQLite file in bench/out/")
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{OUT / f'ui_{args.inquiries}.sqlite3'}"
    OUT.mkdir(parents=True, exist_ok=True)
    built = prepare(url, args.inquiries)
    engine = url.split(":")[0].split("+")[0]
    print(f"{engine}, {args.inquiries:,} inquiries "
          f"({f'built in {built:.0f} s' if built else 'cached database'}), "
          f"{args.repeats} requests each")
    print(f"{'page':40} {'median ms':>10} {'p95 ms':>8}  target p95 < 100 ms")
    for name, samples in measure(url, args.repeats).items():
        p95 = statistics.quantiles(samples, n=20)[-1]
        verdict = "ok" if p95 < 100 else "MISSED"
        print(f"{name:40} {statistics.median(samples):10.1f} {p95:8.1f}  {verdict}")


if __name__ == "__main__":
    main()
