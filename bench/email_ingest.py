"""How fast does mail go through parse + ingest? Prints messages per second next to the floor.

A seeded corpus of realistic citizen mails (see mailbench.corpus) goes one by
one through the desk's parser and `ingest()`, each its own transaction, with
receipts into the outbox and attachments into the store, as a fetch run does
(without the IMAP round trips). The floor is the same mails parsed by the
standard library alone and inserted as one row each, one transaction each.
Target: at least half the floor's rate. Runs on SQLite, and on PostgreSQL too
when --database-url names a scratch database (its public schema is rebuilt).

    .venv/bin/python bench/email_ingest.py
    .venv/bin/python bench/email_ingest.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_mail
"""

import argparse
import tempfile
import time
from email import message_from_bytes, policy
from pathlib import Path

from mailbench import corpus, make_app
from sqlalchemy import Column, Integer, MetaData, String, Table, Text, insert

CHANNEL = {"name": "post", "kind": "email", "connector": "log", "path": "out.log",
           "address": "postmottak@kommune.example"}


def floor_rate(mails: list[bytes]) -> float:
    from desk.extensions import db

    table = Table("bench_mail_floor", MetaData(), Column("id", Integer, primary_key=True),
                  Column("message_id", String(300), unique=True), Column("subject", Text),
                  Column("body", Text))
    table.create(db.engine)
    try:
        started = time.perf_counter()
        for raw in mails:
            mail = message_from_bytes(raw, policy=policy.default)
            body = mail.get_body(("plain", "html"))
            with db.engine.begin() as connection:
                connection.execute(insert(table).values(
                    message_id=str(mail["Message-ID"]), subject=str(mail["Subject"]),
                    body=body.get_content() if body is not None else ""))
        return len(mails) / (time.perf_counter() - started)
    finally:
        table.drop(db.engine)


def run(url: str, count: int) -> dict[str, object]:
    from desk.extensions import db
    from desk.ingest import ingest
    from desk.mail.parsing import parse_mail

    mails = corpus(count)
    with tempfile.TemporaryDirectory() as tmp:
        url = url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        app = make_app(url, Path(tmp), CHANNEL)
        outcomes: dict[str, int] = {}
        with app.app_context():
            started = time.perf_counter()
            for raw in mails:
                outcome = ingest(parse_mail(raw, "post")).outcome.value
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
                db.session.remove()
            elapsed = time.perf_counter() - started
            floor = floor_rate(mails)
            db.engine.dispose()
    return {"database": url.split(":")[0].split("+")[0], "messages": count,
            "seconds": elapsed, "rate": count / elapsed, "floor": floor,
            "created": outcomes.get("created", 0), "threaded": outcomes.get("threaded", 0),
            "megabytes": sum(map(len, mails)) / 1e6}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--database-url", default="", help="also run on this PostgreSQL URL")
    args = parser.parse_args()
    print(f"{'database':<12}{'messages':>9}{'MB':>7}{'created':>9}{'threaded':>9}{'seconds':>9}"
          f"{'msg/s':>8}{'floor/s':>9}{'ratio':>7}  (target ratio >= 0.50)")
    for url in [""] + ([args.database_url] if args.database_url else []):
        r = run(url, args.count)
        print(f"{r['database']:<12}{r['messages']:>9}{r['megabytes']:>7.1f}{r['created']:>9}"
              f"{r['threaded']:>9}{r['seconds']:>9.1f}{r['rate']:>8.0f}{r['floor']:>9.0f}"
              f"{r['rate'] / r['floor']:>7.2f}")


if __name__ == "__main__":
    main()
