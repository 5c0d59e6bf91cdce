"""How fast does desk.ingest take in messages? Prints inquiries and messages per second.

10,000 synthetic citizen messages (70 % new inquiries, 30 % replies threaded
by header) go one by one through `ingest()`, each its own transaction, with
receipts into the outbox, exactly as a connector delivers them. Runs on a
fresh SQLite file, and on PostgreSQL when --database-url names one (its
public schema is dropped and rebuilt: give it a scratch database).

    .venv/bin/python bench/ingest_core.py
    .venv/bin/python bench/ingest_core.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_core
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from flask import Flask
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    insert,
)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mailbench import make_app  # the same migrated desk the e-mail benchmarks use

from connectors.base import InboundMessage

SUBJECTS = ("Søppeltømming", "Byggesøknad garasje", "Barnehageplass", "Hull i veien",
            "Eiendomsskatt", "Skoleskyss", "Trygghetsalarm", "Parkeringstillatelse")
TEXT = ("Hei! Jeg lurer på når dere kan svare på dette. Vi bor i Storgata {n} og har "
        "ventet en stund. Mvh {name}")


def messages(count: int, seed: int = 7) -> list[InboundMessage]:
    rng = random.Random(seed)
    out: list[InboundMessage] = []
    for i in range(count):
        sender = f"innbygger{rng.randrange(count // 2)}@example.no"
        threaded = out and rng.random() < 0.3
        parent = rng.choice(out) if threaded else None
        out.append(InboundMessage(
            channel="post",
            external_id=f"bench-{i}@citizen.example",
            sender_address=parent.sender_address if parent else sender,
            sender_name="Kari Nordmann",
            subject=("Re: " + parent.subject) if parent else rng.choice(SUBJECTS),
            text=TEXT.format(n=rng.randrange(1, 90), name="Kari"),
            in_reply_to=parent.external_id if parent else None,
        ))
    return out


def prepare(url: str, instance: Path) -> Flask:
    return make_app(url, instance, {"name": "post", "kind": "email", "connector": "log",
                                    "path": "out.log"})


def floor_rate(batch: list[InboundMessage]) -> float:
    """The same messages as one row each, one transaction each: what the database alone costs."""
    from desk.extensions import db

    table = Table("bench_floor", MetaData(), Column("id", Integer, primary_key=True),
                  Column("external_id", String(200), unique=True), Column("body", Text))
    table.create(db.engine)
    try:
        started = time.perf_counter()
        for msg in batch:
            with db.engine.begin() as connection:
                connection.execute(insert(table).values(external_id=msg.external_id,
                                                        body=msg.text))
        return len(batch) / (time.perf_counter() - started)
    finally:
        table.drop(db.engine)


def run(url: str, count: int) -> dict[str, float]:
    from desk.extensions import db
    from desk.ingest import Outcome, ingest

    with tempfile.TemporaryDirectory() as tmp:
        instance = Path(tmp)
        if not url:
            url = f"sqlite:///{instance / 'bench.sqlite3'}"
        app = prepare(url, instance)
        batch = messages(count)
        outcomes: dict[str, int] = {}
        latencies = []
        with app.app_context():
            started = time.perf_counter()
            for msg in batch:
                t0 = time.perf_counter()
                outcome = ingest(msg).outcome
                latencies.append(time.perf_counter() - t0)
                outcomes[outcome.value] = outcomes.get(outcome.value, 0) + 1
                db.session.remove()
            elapsed = time.perf_counter() - started
            # Idempotency under load: the whole batch again must change nothing.
            again = sum(ingest(m).outcome is Outcome.DUPLICATE for m in batch[:1000])
            floor = floor_rate(batch)
            db.engine.dispose()
    latencies.sort()
    return {
        "floor_per_second": floor,
        "database": url.split(":")[0].split("+")[0],
        "messages": count,
        "seconds": elapsed,
        "messages_per_second": count / elapsed,
        "inquiries_per_second": outcomes.get("created", 0) / elapsed,
        "created": outcomes.get("created", 0),
        "threaded": outcomes.get("threaded", 0),
        "median_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(len(latencies) * 0.95)] * 1000,
        "duplicates_on_replay_of_1000": again,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--database-url", default="", help="also run on this PostgreSQL URL")
    args = parser.parse_args()
    urls = [""] + ([args.database_url] if args.database_url else [])
    print(f"{'database':<12}{'messages':>9}{'seconds':>9}{'msg/s':>8}{'inq/s':>8}"
          f"{'created':>9}{'threaded':>9}{'med ms':>8}{'p95 ms':>8}{'dup/1000':>9}"
          f"{'floor/s':>9}{'ratio':>7}")
    for url in urls:
        r = run(url, args.count)
        print(f"{r['database']:<12}{r['messages']:>9}{r['seconds']:>9.1f}"
              f"{r['messages_per_second']:>8.0f}{r['inquiries_per_second']:>8.0f}"
              f"{r['created']:>9}{r['threaded']:>9}{r['median_ms']:>8.2f}{r['p95_ms']:>8.2f}"
              f"{r['duplicates_on_replay_of_1000']:>9}{r['floor_per_second']:>9.0f}"
              f"{r['messages_per_second'] / r['floor_per_second']:>7.2f}")


if __name__ == "__main__":
    main()
