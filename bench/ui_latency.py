"""Server time of the queue and inquiry pages at 100,000 and 1,000,000 inquiries.

Builds (once, then reuses) a database with N inquiries, one citizen message
and one event each, written in bulk with executemany; a SQLite file is cached
under bench/out/. Then times requests through the Flask test client (the
timer is around `client.get`, so it is server time without a network):
the queue's default view, a filtered view, a deep page by keyset cursor, the
inquiry page, and search (a common word, a rare word, two word prefixes, a
reference, a contact's name and e-mail address). Prints median and p95 in ms;
the target is p95 < 100 ms.

The queue's due-today view and its sorts by due time (first and deep page) and
by priority are timed too. Open inquiries get SLA due times as the services
set them: e-mail and phone have targets per priority, Telegram has none.

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
from urllib.parse import quote

from sqlalchemy import create_engine, func, insert, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from desk import create_app, sla  # noqa: E402
from desk.admin.schedule import Targets, forget_schedule  # noqa: E402
from desk.config import load_config  # noqa: E402
from desk.extensions import db  # noqa: E402
from desk.models import (  # noqa: E402
    OPEN_STATUSES,
    Channel,
    Contact,
    ContactIdentity,
    Direction,
    Event,
    EventKind,
    IdentityKind,
    Inquiry,
    Message,
    Priority,
    Role,
    SlaTarget,
    Status,
    Unit,
)
from desk.schema import schema_status  # noqa: E402

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
# Citizens' names and what they write about, so that search has words common and rare.
FIRST_NAMES = ("Kari", "Ola", "Ingrid", "Per", "Astrid", "Jon", "Åse", "Øyvind", "Sigrid", "Lars",
               "Marit", "Knut", "Solveig", "Bjørn", "Liv", "Tor", "Hilde", "Arne", "Randi", "Geir")
LAST_NAMES = ("Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen",
              "Kristiansen", "Jensen", "Karlsen", "Johnsen", "Pettersen", "Eriksen", "Berg",
              "Haugen", "Hagen", "Ødegård", "Bakken", "Strand", "Lie")
TOPICS = ("Søppelet ble ikke tømt denne uka.", "Jeg har sendt byggesøknad for en garasje.",
          "Veien vår er ikke brøytet.", "Barnet trenger skoleskyss fra høsten.",
          "Fakturaen for kommunale avgifter ser feil ut.", "Det er et stort hull i veien.",
          "Bilene parkerer ulovlig ved skolen.", "Vi har vannlekkasje i kjelleren.",
          "Gatelyset utenfor huset virker ikke.", "Vi søker barnehageplass til høsten.",
          "Når åpner svømmehallen igjen?", "Naboen brenner bål i hagen.")
RARE = "Det gjelder eiendommen i Kvernhusbakken."  # in one message of 10,000
# SLA targets in minutes of opening hours on the channels that have them (not Telegram).
SLA_TARGETS = {Priority.URGENT: Targets(60, 450), Priority.HIGH: Targets(120, 900),
               Priority.NORMAL: Targets(450, 1800), Priority.LOW: Targets(900, 4500)}


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
    if have == count and schema_status(engine).at_head:  # built by this code's migrations
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
        {"id": i + 1, "display_name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
         "created_at": datetime.now(UTC)} for i in range(contacts)])
    db.session.execute(insert(ContactIdentity.__table__), [
        {"contact_id": i + 1, "kind": IdentityKind.EMAIL.value,
         "value": f"innbygger{i + 1}@example.no", "created_at": datetime.now(UTC)}
        for i in range(contacts)])
    due_time = _sla_targets()
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
            inquiries[-1]["due_at"] = due_time(inquiries[-1], answered_if_open=n % 2 == 0)
            messages.append({
                "inquiry_id": n + 1, "direction": Direction.INBOUND.value,
                "channel_id": inquiries[-1]["channel_id"], "external_id": f"bench-{n + 1}",
                "contact_id": inquiries[-1]["contact_id"], "sender_name": "Innbygger",
                "subject": inquiries[-1]["subject"], "automatic": False,
                "text": " ".join(["Hei,", *rng.sample(TOPICS, 2),
                                  *([RARE] if n % 10_000 == 5_000 else []), "Hilsen innbygger"]),
                "created_at": at})
            events.append({"inquiry_id": n + 1, "kind": EventKind.CREATED.value,
                           "at": at, "data": {}})
        db.session.execute(insert(Inquiry.__table__), inquiries)
        db.session.execute(insert(Message.__table__), messages)
        db.session.execute(insert(Event.__table__), events)
        db.session.commit()
        print(f"  {stop:,} inquiries written", file=sys.stderr, flush=True)


def _sla_targets() -> Any:
    """Write the SLA targets; returns what gives an inquiry row its due time."""
    with_targets = list(db.session.scalars(select(Channel.id).where(
        Channel.name.in_(["post", "phone"]))))
    db.session.add_all(SlaTarget(channel_id=c, priority=p, first_response_minutes=t.first_response,
                                 resolution_minutes=t.resolution)
                       for c in with_targets for p, t in SLA_TARGETS.items())
    db.session.commit()
    forget_schedule()
    calendar = sla.current_calendar()

    def due_time(row: dict[str, Any], answered_if_open: bool) -> datetime | None:
        # New ones are unanswered, waiting ones answered, open ones half and half.
        if row["status"] not in OPEN_STATUSES or row["channel_id"] not in with_targets:
            return None
        answered = row["status"] == Status.WAITING or (
            row["status"] == Status.OPEN and answered_if_open)
        minutes = sla.minutes_for(SLA_TARGETS[Priority(row["priority"])], answered)
        return sla.due_at(row["created_at"], minutes, calendar)

    return due_time


def _cursor(at: datetime, inquiry_id: int) -> str:
    """A queue cursor (the format of desk.queries) pointing into the middle of the list."""
    raw = f"0|{at.astimezone(UTC).isoformat()}|{inquiry_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _search(text: str) -> str:
    return f"/search?q={quote(text)}"


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
        with_due = db.session.scalar(select(func.count(Inquiry.id)).where(
            Inquiry.status.in_(OPEN_STATUSES), Inquiry.due_at.is_not(None)))
        deep_due = db.session.execute(
            select(Inquiry.due_at, Inquiry.id).where(Inquiry.status.in_(OPEN_STATUSES),
                                                     Inquiry.due_at.is_not(None))
            .order_by(Inquiry.due_at, Inquiry.id).offset(int(with_due * 0.9)).limit(1)).one()
        # Search terms that exist: the references and citizens' names of 100 inquiries.
        picks = random.Random(8).sample(range(1, top + 1), 100)
        references = list(db.session.scalars(
            select(Inquiry.reference).where(Inquiry.id.in_(picks))))
        names = list(db.session.scalars(select(Contact.display_name).join(
            Inquiry, Inquiry.contact_id == Contact.id).where(Inquiry.id.in_(picks))))
        contacts = db.session.scalar(select(func.max(Contact.id)))
    rng = random.Random(7)
    pages = {
        "queue, default view": lambda: "/",
        "queue, filtered (channel + priority)": lambda: f"/?channel={email}&priority=high",
        "queue, deep page (keyset)": lambda: f"/?after={_cursor(*deep)}",
        "inquiry page": lambda: f"/inquiries/{rng.randrange(1, top + 1)}",
        "queue, due today": lambda: "/?view=due",
        "queue, by due time": lambda: "/?sort=due",
        "queue, by due time, deep page": lambda: f"/?sort=due&after={_cursor(*deep_due)}",
        "queue, urgent first": lambda: "/?sort=priority",
        "search, common word": lambda: _search("søppel"),
        "search, rare word": lambda: _search("kvernhusbakken"),
        "search, two word prefixes": lambda: _search("vannlekk kjell"),
        "search, reference": lambda: _search(rng.choice(references)),
        "search, contact name": lambda: _search(rng.choice(names)),
        "search, e-mail address": lambda: _search(
            f"innbygger{rng.randrange(1, contacts + 1)}@example.no"),
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
