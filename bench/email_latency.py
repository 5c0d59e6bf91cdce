"""From IMAP APPEND to the inquiry in the database, with the IDLE watcher: median of 20.

Starts a real IMAP server (pymap, as the tests do), a desk whose e-mail channel
reads it with an `IdleWatcher` (polling every 10 minutes, so only IDLE can be
this fast), appends one mail at a time as the mail system would, and times
until its inquiry is visible to another database session. Target: median < 2 s.

    .venv/bin/python bench/email_latency.py
    .venv/bin/python bench/email_latency.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_mail
"""

import argparse
import contextlib
import statistics
import tempfile
import time
from pathlib import Path

from imapclient import IMAPClient
from mailbench import corpus, make_app
from sqlalchemy import create_engine, select

from connectors.email.decode import normalize_msgid
from desk.models import Message
from tests.mailservers import _pymap


def measure(url: str, count: int) -> list[float]:
    from desk.extensions import db
    from desk.mail.fetch import mailboxes
    from desk.mail.idle import IdleWatcher

    with tempfile.TemporaryDirectory() as tmp, \
            contextlib.contextmanager(_pymap)(["--no-tls"]) as server:
        url = url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        app = make_app(url, Path(tmp), {
            "name": "postmottak", "kind": "email", "address": "postmottak@kommune.example",
            "connector": "log", "path": "out.log", "imap_host": server.host,
            "imap_port": server.port, "imap_security": "none", "username": server.username,
            "password": server.password})
        with app.app_context():
            (settings,) = mailboxes(app.extensions["desk.config"])
            db.engine.dispose()
        watcher = IdleWatcher(app, settings, "bench/idle", poll_seconds=600)
        watcher.start()
        reader = create_engine(url)  # what a web process would see
        admin = IMAPClient(server.host, port=server.port, ssl=False, timeout=10)
        admin.login(server.username, server.password)
        latencies = []
        try:
            for raw in corpus(count, seed=5):
                message_id = normalize_msgid(raw.split(b"Message-ID:", 1)[1].split(b"\r\n")[0]
                                             .decode())
                if not watcher.idling.wait(30):
                    raise RuntimeError("the watcher did not reach IDLE")
                time.sleep(0.05)
                started = time.perf_counter()
                admin.append("INBOX", raw)
                while True:
                    with reader.connect() as connection:
                        if connection.scalar(select(Message.id).where(
                                Message.external_id == message_id)):
                            break
                    time.sleep(0.005)
                latencies.append(time.perf_counter() - started)
        finally:
            watcher.stop()
            admin.logout()
            reader.dispose()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--database-url", default="", help="also run on this PostgreSQL URL")
    args = parser.parse_args()
    print(f"{'database':<12}{'mails':>6}{'median s':>10}{'min s':>8}{'max s':>8}  (target < 2 s)")
    for url in [""] + ([args.database_url] if args.database_url else []):
        times = measure(url, args.count)
        name = (url or "sqlite").split(":")[0].split("+")[0]
        print(f"{name:<12}{len(times):>6}{statistics.median(times):>10.3f}{min(times):>8.3f}"
              f"{max(times):>8.3f}")


if __name__ == "__main__":
    main()
