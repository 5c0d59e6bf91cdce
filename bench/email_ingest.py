"""How fast does mail go through parse + ingest? Prints messages per second next to the floor.

A seeded corpus of realistic citizen mails (see mailbench.corpus) goes one by
one through the desk's parser and `ingest()`, each its own transaction, with
receipts into the outbox, sources into the database and attachments into the
store, as a fetch run does (without the IMAP round trips), on a channel with
SLA targets as a desk has.
The floor is the same mails parsed by the standard library alone and inserted
as one row each, one transaction each. The two take turns over the corpus in
20 rounds of 100 mails, each going first in every other round, so a machine
that gets busier during the run slows both alike: the shorter the rounds, the
closer in time the two meet it.
Target: at least half the floor's rate ("ratio", from the totals; "median" is
the median of the rounds' ratios, which one stall on one side does not move).
Runs on SQLite, and on PostgreSQL too when --database-url names a scratch
database (its public schema is rebuilt).

    .venv/bin/python bench/email_ingest.py
    .venv/bin/python bench/email_ingest.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_mail
"""

import argparse
import statistics
import tempfile
import time
from email import message_from_bytes, policy
from pathlib import Path

from mailbench import corpus, make_app
from sqlalchemy import Column, Integer, MetaData, String, Table, Text, insert

CHANNEL = {"name": "post", "kind": "email", "connector": "log", "path": "out.log",
           "address": "postmottak@kommune.example"}
ROUNDS = 20


def floor_seconds(table: Table, mails: list[bytes]) -> float:
    from desk.extensions import db

    started = time.perf_counter()
    for raw in mails:
        mail = message_from_bytes(raw, policy=policy.default)
        body = mail.get_body(("plain", "html"))
        with db.engine.begin() as connection:
            connection.execute(insert(table).values(
                message_id=str(mail["Message-ID"]), subject=str(mail["Subject"]),
                body=body.get_content() if body is not None else ""))
    return time.perf_counter() - started


def ingest_seconds(mails: list[bytes], outcomes: dict[str, int]) -> float:
    from desk.extensions import db
    from desk.ingest import ingest
    from desk.mail.parsing import parse_mail

    started = time.perf_counter()
    for raw in mails:
        outcome = ingest(parse_mail(raw, "post")).outcome.value
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        db.session.remove()
    return time.perf_counter() - started


def set_sla_targets() -> None:
    """Targets for every priority, as a desk has them: they are read for each new inquiry."""
    from sqlalchemy import select

    from desk.admin.schedule import forget_schedule
    from desk.extensions import db
    from desk.models import Channel, Priority, SlaTarget

    channel_id = db.session.scalar(select(Channel.id).where(Channel.name == CHANNEL["name"]))
    db.session.add_all(SlaTarget(channel_id=channel_id, priority=priority,
                                 first_response_minutes=480, resolution_minutes=3 * 450)
                       for priority in Priority)
    db.session.commit()
    forget_schedule()


def run(url: str, count: int) -> dict[str, object]:
    from desk.extensions import db

    mails = corpus(count)
    floor = Table("bench_mail_floor", MetaData(), Column("id", Integer, primary_key=True),
                  Column("message_id", String(300), unique=True), Column("subject", Text),
                  Column("body", Text))
    with tempfile.TemporaryDirectory() as tmp:
        url = url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        app = make_app(url, Path(tmp), CHANNEL)
        outcomes: dict[str, int] = {}
        rounds: list[tuple[float, float]] = []  # (ingest, floor) seconds
        with app.app_context():
            set_sla_targets()
            floor.create(db.engine)
            step = -(-count // ROUNDS)
            for n, start in enumerate(range(0, count, step)):  # replies follow what they answer
                chunk = mails[start:start + step]
                # Who goes first changes each round: the one that goes second pays for
                # the disk writing back what the first wrote.
                if n % 2:
                    floor_time = floor_seconds(floor, chunk)
                    ingest_time = ingest_seconds(chunk, outcomes)
                else:
                    ingest_time = ingest_seconds(chunk, outcomes)
                    floor_time = floor_seconds(floor, chunk)
                rounds.append((ingest_time, floor_time))
            db.session.remove()
            db.engine.dispose()
    elapsed, floor_elapsed = (sum(column) for column in zip(*rounds, strict=True))
    return {"database": url.split(":")[0].split("+")[0], "messages": count,
            "seconds": elapsed, "rate": count / elapsed, "floor": count / floor_elapsed,
            # A round's ratio is its floor time over its ingest time; their median
            # is not moved by a stall (a checkpoint, autovacuum) that hit one side once.
            "median": statistics.median(floor_time / ingest_time
                                        for ingest_time, floor_time in rounds),
            "created": outcomes.get("created", 0), "threaded": outcomes.get("threaded", 0),
            "megabytes": sum(map(len, mails)) / 1e6}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--database-url", default="", help="also run on this PostgreSQL URL")
    args = parser.parse_args()
    print(f"{'database':<12}{'messages':>9}{'MB':>7}{'created':>9}{'threaded':>9}{'seconds':>9}"
          f"{'msg/s':>8}{'floor/s':>9}{'ratio':>7}{'median':>8}  (target ratio >= 0.50)")
    for url in [""] + ([args.database_url] if args.database_url else []):
        r = run(url, args.count)
        print(f"{r['database']:<12}{r['messages']:>9}{r['megabytes']:>7.1f}{r['created']:>9}"
              f"{r['threaded']:>9}{r['seconds']:>9.1f}{r['rate']:>8.0f}{r['floor']:>9.0f}"
              f"{r['rate'] / r['floor']:>7.2f}{r['median']:>8.2f}")


if __name__ == "__main__":
    main()
