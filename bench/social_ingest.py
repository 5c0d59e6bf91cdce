"""Social channels' take-in: Telegram updates and Facebook webhook posts per second, as
ratios to e-mail ingest in the same run, and Telegram's latency with long polling.

Throughput, in one process on one database, in rounds that take turns (so a
machine that gets busier slows all three alike):

- e-mail: the e-mail bench's corpus through the parser and `ingest()`
  (`bench/email_ingest.py`), one transaction each;
- Telegram: text updates queued on a local Bot API server (`tests/botapi.py`,
  the documented wire format over a socket), read by the real
  python-telegram-bot through the driver's bounded run (getUpdates, ingest,
  offset stored after each commit);
- Facebook: Messenger deliveries signed with the app secret, POSTed to the
  web app's webhook through its WSGI stack (signature, parse, ingest, commit
  before the 200), profile names read from a local Graph API server.

Citizens write several messages each, so most messages thread into an open
inquiry, as in real traffic. Ratios are each channel's rate over e-mail's.

Latency: a real `desk worker` process long-polls the local Bot API server
(its PollWatcher thread); the bench queues one update at a time at random
intervals and times from the moment the update is available to its message
being visible in the database (read every 5 ms). Goal: p95 under 1 s.

    .venv/bin/python bench/social_ingest.py
    .venv/bin/python bench/social_ingest.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_social

The PostgreSQL database is a scratch one (its public schema is dropped first).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from email_ingest import ingest_seconds  # noqa: E402
from mailbench import corpus, make_app  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402

from connectors.facebook.webhook import sign  # noqa: E402
from tests.botapi import BotApiServer, text_update  # noqa: E402
from tests.graphapi import GraphAPI  # noqa: E402

ROUNDS = 10
PAGE = "1000"
APP_SECRET = "bench-app-secret"
GOAL_MS = 1000.0


def channels(bot: BotApiServer, graph: GraphAPI) -> list[dict[str, Any]]:
    return [
        {"name": "post", "kind": "email", "connector": "log", "path": "out.log",
         "address": "postmottak@kommune.example"},
        {"name": "tg", "kind": "telegram", "token": bot.token, "api_url": bot.url,
         "poll_timeout": 5, "pull_timeout": 1, "lease_seconds": 30, "batch_size": 100},
        {"name": "fb", "kind": "facebook", "page_id": PAGE, "page_access_token": graph.token,
         "app_secret": APP_SECRET, "verify_token": "bench-verify", "graph_url": graph.url},
    ]


def _citizen(n: int) -> dict[str, Any]:
    return {"id": 500000 + n, "is_bot": False, "first_name": f"Innbygger{n}",
            "username": f"innbygger_{n}", "language_code": "nb"}


# --- throughput ---------------------------------------------------------------------------

def telegram_seconds(bot: BotApiServer, count: int, first: int) -> float:
    """Queue `count` updates from `count // 4` citizens and take them in with the
    driver's bounded runs (getUpdates over the socket, up to 100 a call)."""
    from desk.config import current_config
    from desk.drivers import driver_for
    from desk.extensions import db

    for i in range(count):
        bot.queue_update(text_update(bot, f"Hei, spørsmål {first + i} om byggesaken min.",
                                     _citizen((first + i) // 4)))
    config = current_config()
    cfg = config.channel("tg")
    assert cfg is not None
    started = time.perf_counter()
    taken = 0
    while taken < count:
        report = driver_for(cfg.kind).pull(cfg, config, "bench")
        if report is None or report.error:
            raise RuntimeError(f"telegram run failed: {report and report.error}")
        taken += sum(report.outcomes.values())
        db.session.remove()
    return time.perf_counter() - started


def facebook_seconds(client: Any, count: int, first: int) -> float:
    """POST `count` signed deliveries (one message each) to the webhook."""
    bodies = []
    for i in range(count):
        n = first + i
        event = {"sender": {"id": str(7_000_000 + n // 4)}, "recipient": {"id": PAGE},
                 "timestamp": int(time.time() * 1000),
                 "message": {"mid": f"m_bench{n}", "text": f"Hei, spørsmål {n} om skolen."}}
        body = json.dumps({"object": "page", "entry": [
            {"id": PAGE, "time": int(time.time() * 1000), "messaging": [event]}]}).encode()
        bodies.append(body)
    started = time.perf_counter()
    for body in bodies:
        response = client.post("/hooks/facebook/fb", data=body, headers={
            "Content-Type": "application/json", "X-Hub-Signature-256": sign(body, APP_SECRET)})
        if response.status_code != 200:
            raise RuntimeError(f"webhook answered {response.status_code}")
    return time.perf_counter() - started


def throughput(url: str, count: int) -> dict[str, Any]:
    from desk.extensions import db

    mails = corpus(count)
    with tempfile.TemporaryDirectory() as tmp, BotApiServer() as bot:
        graph = GraphAPI(page_id=PAGE).start()
        try:
            url = url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
            app = make_app(url, Path(tmp), channels(bot, graph))
            client = app.test_client()
            totals = {"email": 0.0, "telegram": 0.0, "facebook": 0.0}
            outcomes: dict[str, int] = {}
            step = -(-count // ROUNDS)
            with app.app_context():
                order = ["email", "telegram", "facebook"]
                for n, start in enumerate(range(0, count, step)):
                    chunk = mails[start:start + step]
                    for kind in order[n % 3:] + order[:n % 3]:  # who goes first rotates
                        if kind == "email":
                            totals[kind] += ingest_seconds(chunk, outcomes)
                        elif kind == "telegram":
                            totals[kind] += telegram_seconds(bot, len(chunk), start)
                        else:
                            totals[kind] += facebook_seconds(client, len(chunk), start)
                counts = _counts()
                db.session.remove()
                db.engine.dispose()
        finally:
            graph.stop()
    rates = {kind: count / seconds for kind, seconds in totals.items()}
    return {"database": url.split(":")[0].split("+")[0], "count": count, "rates": rates,
            "counts": counts}


def _counts() -> dict[str, int]:
    """Inbound messages and inquiries per channel: every item must be one message."""
    from desk.extensions import db
    from desk.models import Channel, Direction, Inquiry, Message

    found = {}
    for name in ("post", "tg", "fb"):
        channel_id = db.session.scalar(select(Channel.id).where(Channel.name == name))
        found[name] = db.session.scalar(select(func.count(Message.id)).where(
            Message.channel_id == channel_id, Message.direction == Direction.INBOUND))
        found[f"{name} inquiries"] = db.session.scalar(select(func.count(Inquiry.id)).where(
            Inquiry.channel_id == channel_id))
    db.session.rollback()
    return found


# --- latency ------------------------------------------------------------------------------

def latency(url: str, updates: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, BotApiServer() as bot:
        folder = Path(tmp)
        url = url or f"sqlite:///{folder / 'bench.sqlite3'}"
        graph = GraphAPI(page_id=PAGE).start()
        try:
            make_app(url, folder, channels(bot, graph)[0])  # a migrated database
            config = folder / "desk.toml"
            config.write_text(_toml(url, folder, bot))
            env = {**os.environ, "DESK_CONFIG": str(config), "PYTHONPATH": str(ROOT)}
            log = (folder / "worker.log").open("wb")
            worker = subprocess.Popen([sys.executable, "-m", "desk.cli", "worker"], env=env,
                                      cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
            try:
                seconds = _timed_updates(bot, url, updates, worker, folder / "worker.log")
            finally:
                worker.terminate()
                worker.wait(timeout=30)
                log.close()
        finally:
            graph.stop()
    return {"database": url.split(":")[0].split("+")[0], "seconds": seconds}


def _toml(url: str, folder: Path, bot: BotApiServer) -> str:
    return f"""secret_key = "bench"
instance_path = "{folder / 'instance'}"
message_id_domain = "desk.bench"
[database]
url = "{url}"
[receipts]
max_per_contact_per_hour = 1000
[[channels]]
name = "post"
kind = "email"
connector = "log"
path = "out.log"
address = "postmottak@kommune.example"
[[channels]]
name = "tg"
kind = "telegram"
token = "{bot.token}"
api_url = "{bot.url}"
poll_timeout = 25
lease_seconds = 60
"""


def _timed_updates(bot: BotApiServer, url: str, updates: int, worker: subprocess.Popen[bytes],
                   log: Path) -> list[float]:
    from desk.models import Message

    engine = create_engine(url)
    rng = random.Random(5)
    seconds: list[float] = []
    try:
        # The watcher is long-polling once the first getUpdates has come in.
        if not bot.wait_for(lambda: bot.calls("getUpdates"), timeout=60):
            raise RuntimeError("the worker never polled:\n" + log.read_text()[-3000:])
        for n in range(updates):
            if worker.poll() is not None:
                raise RuntimeError("the worker died:\n" + log.read_text()[-3000:])
            words = f"Latens {n}: når kommer svaret?"
            time.sleep(rng.uniform(0.05, 0.4))
            available = time.perf_counter()
            bot.queue_update(text_update(bot, words, _citizen(n % 10)))
            deadline = available + 10
            with engine.connect() as connection:
                while True:
                    if connection.scalar(select(Message.id).where(Message.text == words)):
                        seconds.append(time.perf_counter() - available)
                        break
                    connection.rollback()
                    if time.perf_counter() > deadline:
                        break  # counted as lost
                    time.sleep(0.005)
    finally:
        engine.dispose()
    return seconds


# --- the report ---------------------------------------------------------------------------

def _ms(values: list[float], q: int) -> float:
    if not values:
        return float("nan")
    if q == 50:
        return statistics.median(values) * 1000
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


def _drop_schema(url: str) -> None:
    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="items per channel")
    parser.add_argument("--updates", type=int, default=100, help="timed Telegram updates")
    parser.add_argument("--database-url", default="", help="also run on this PostgreSQL URL")
    args = parser.parse_args()
    urls = [""] + ([args.database_url] if args.database_url else [])
    print(f"{'database':<11}{'items':>6}{'mail/s':>8}{'tg/s':>7}{'fb/s':>7}"
          f"{'tg ratio':>9}{'fb ratio':>9}   messages (inquiries) per channel")
    for url in urls:
        _drop_schema(url)
        r = throughput(url, args.count)
        rates, counts = r["rates"], r["counts"]
        print(f"{r['database']:<11}{r['count']:>6}{rates['email']:>8.0f}{rates['telegram']:>7.0f}"
              f"{rates['facebook']:>7.0f}{rates['telegram'] / rates['email']:>9.2f}"
              f"{rates['facebook'] / rates['email']:>9.2f}   "
              + ", ".join(f"{name} {counts[name]} ({counts[f'{name} inquiries']})"
                          for name in ("post", "tg", "fb")))
    print()
    print(f"{'database':<11}{'updates':>8}{'seen':>6}{'med ms':>8}{'p95 ms':>8}{'max ms':>8}"
          f"  goal p95 < {GOAL_MS:.0f} ms (update available -> message in the database, "
          "a real worker long-polling)")
    for url in urls:
        _drop_schema(url)
        r = latency(url, args.updates)
        values = r["seconds"]
        p95 = _ms(values, 95)
        print(f"{r['database']:<11}{args.updates:>8}{len(values):>6}{_ms(values, 50):>8.0f}"
              f"{p95:>8.0f}{max(values, default=0) * 1000:>8.0f}  "
              f"{'met' if p95 < GOAL_MS else 'NOT met'}")


if __name__ == "__main__":
    main()
