"""Web chat latency against a real server: citizen → agent and agent → citizen, and memory.

Starts the desk as a real server on 127.0.0.1 (waitress with 256 threads on
SQLite; on PostgreSQL gunicorn `-k gthread --threads 128 -w 2`, or two waitress
processes when gunicorn is missing), signs an agent in over HTTP and makes them
available, and runs 50 citizens at once, each as the widget does (bearer
token, Origin, a long poll always open on its messages) with the agent's page
polling that inquiry's `chat.json` the whole time. Each round a citizen writes
a line, timed from its POST to the agent's poll returning it, and the agent
answers through the chat reply view (sent at once through the outbox), timed
to the citizen's poll returning it. All clocks are this process's
`time.perf_counter`. Goal: p95 < 300 ms. Then 200 chats each keep one poll
waiting while the server's RSS (and CPU) is read from /proc.

    .venv/bin/python bench/chat_latency.py
    .venv/bin/python bench/chat_latency.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_chat

The PostgreSQL database is a scratch one (`createdb -h 127.0.0.1 -U postgres
bench_chat`): its public schema is dropped and created again at the start.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import create_engine, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HOST = "127.0.0.1"
SITE = "https://www.kommune.example"
CHANNEL = "chat"
GOAL_MS = 300.0
PASSWORD = "bench-secret"


# --- the server ---------------------------------------------------------------------------

def _toml(url: str, instance: Path) -> str:
    return f"""secret_key = "bench"
instance_path = "{instance}"
message_id_domain = "desk.bench"
[database]
url = "{url}"
[receipts]
max_per_contact_per_hour = 1000
[[channels]]
name = "postmottak"
kind = "email"
address = "postmottak@kommune.example"
connector = "log"
path = "{instance / 'out.log'}"
[[channels]]
name = "{CHANNEL}"
kind = "webchat"
always_open = true
allowed_origins = ["{SITE}"]
messages_per_minute = 600
starts_per_ip_per_hour = 100000
requests_per_ip_per_minute = 1000000
"""


def prepare(url: str, config_path: Path) -> None:
    """A freshly migrated database with the channels and one agent (PostgreSQL: the public
    schema is dropped first)."""
    from flask_migrate import upgrade

    from desk import create_app
    from desk.channels import sync_channels
    from desk.config import load_config
    from desk.extensions import db
    from desk.models import Role
    from desk.users import create_user

    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    app = create_app(load_config(config_path, env={}))
    with app.app_context():
        upgrade()
        sync_channels()
        create_user("kari", PASSWORD, Role.AGENT, "Kari Nordmann")
        db.engine.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    kind: str  # "waitress", "gunicorn (2 workers)", "2 × waitress"
    processes: list[subprocess.Popen[bytes]]
    ports: list[int]

    def pids(self) -> list[int]:
        """The processes that serve requests (gunicorn's workers, not its arbiter)."""
        found = []
        for process in self.processes:
            children = _children(process.pid)
            found += children if self.kind.startswith("gunicorn") else [process.pid]
        return found

    def all_pids(self) -> list[int]:
        return sorted({p.pid for p in self.processes} | set(self.pids()))


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


@contextlib.contextmanager
def serve(config_path: Path, url: str, server: str, log: Path) -> Iterator[Server]:
    env = {"DESK_CONFIG": str(config_path), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    if server == "auto":
        gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
        server = "waitress" if not url.startswith("postgresql") else (
            "gunicorn" if gunicorn else "waitress2")
    commands, ports = [], []
    for _ in range(2 if server == "waitress2" else 1):
        port = free_port()
        ports.append(port)
        if server == "gunicorn":
            commands.append([sys.executable, "-m", "gunicorn", "-k", "gthread", "--threads", "128",
                             "-w", "2", "-b", f"{HOST}:{port}", "--graceful-timeout", "2",
                             "desk.wsgi:app"])
        else:
            commands.append([sys.executable, "-m", "waitress", f"--host={HOST}", f"--port={port}",
                             "--threads=256", "--connection-limit=2000", "desk.wsgi:app"])
    kind = {"gunicorn": "gunicorn gthread 2×128", "waitress2": "2 × waitress 256 thr"}.get(
        server, "waitress 256 threads")
    processes: list[subprocess.Popen[bytes]] = []
    with log.open("ab") as out:
        try:
            for command in commands:
                processes.append(subprocess.Popen(command, env=env, cwd=ROOT, stdout=out,
                                                  stderr=subprocess.STDOUT))
            for process, port in zip(processes, ports, strict=True):
                _wait_healthy(port, process, log)
            running = Server(kind, processes, ports)
            if server == "gunicorn":  # both workers up
                deadline = time.monotonic() + 30
                while len(running.pids()) < 2 and time.monotonic() < deadline:
                    time.sleep(0.1)
            yield running
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=5)


def _wait_healthy(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited ({process.returncode}):\n"
                               + log.read_text(errors="replace")[-3000:])
        with contextlib.suppress(OSError):
            status, _ = request("GET", port, "/healthz", timeout=2)
            if status == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"the server did not answer on {HOST}:{port} within 60 s")


def rss_kb(pid: int) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def machine_busy() -> tuple[float, float]:
    """(busy, all) CPU seconds of the whole machine so far, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(fields) - fields[3] - fields[4]) / 100, sum(fields) / 100


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / 100  # USER_HZ


# --- HTTP: a new connection per request, as simple as a browser's first -------------------

def request(method: str, port: int, path: str, body: bytes | None = None,
            headers: dict[str, str] | None = None, timeout: float = 40) -> tuple[int, Any]:
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        kind = response.getheader("Content-Type", "")
        cookies = response.msg.get_all("Set-Cookie") or []
        if "json" in kind:
            return response.status, json.loads(data)
        return response.status, {"html": data.decode("utf-8", "replace"), "cookies": cookies}
    finally:
        connection.close()


class Citizen:
    """The widget's calls (bearer token, Origin from the municipality's site)."""

    def __init__(self, port: int) -> None:
        self.port, self.token = port, ""

    def _headers(self) -> dict[str, str]:
        headers = {"Origin": SITE, "Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def call(self, method: str, path: str, body: Any = None, timeout: float = 40) -> Any:
        status, data = request(method, self.port, f"/chat/{CHANNEL}/api/{path}",
                               json.dumps(body).encode() if body is not None else None,
                               self._headers(), timeout)
        if status >= 400:
            raise RuntimeError(f"{method} {path}: {status} {data}")
        return data

    def start(self, name: str) -> None:
        self.token = self.call("POST", "start", {"name": name})["token"]

    def say(self, words: str) -> Any:
        return self.call("POST", "messages", {"id": str(uuid.uuid4()), "text": words})


class Agent:
    """A signed-in agent: a session cookie and the page's CSRF token."""

    def __init__(self, port: int) -> None:
        self.port, self.cookie, self.csrf = port, "", ""

    def _take(self, cookies: list[str]) -> None:
        """Keep the cookies a response set (name=value, attributes dropped)."""
        jar = dict(pair.split("=", 1) for pair in self.cookie.split("; ") if "=" in pair)
        for cookie in cookies:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            jar[name.strip()] = value
        self.cookie = "; ".join(f"{k}={v}" for k, v in jar.items())

    def sign_in(self, username: str) -> None:
        status, page = request("GET", self.port, "/login")
        self._take(page["cookies"])
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page["html"])
        if not token:
            raise RuntimeError("no CSRF token on the login form")
        status, answer = request("POST", self.port, "/login", urlencode({
            "username": username, "password": PASSWORD, "csrf_token": token.group(1)}).encode(),
            {"Content-Type": "application/x-www-form-urlencoded", "Cookie": self.cookie})
        self._take(answer.get("cookies", []))
        status, page = request("GET", self.port, "/", headers={"Cookie": self.cookie})
        self._take(page.get("cookies", []))
        meta = re.search(r'name="csrf-token" content="([^"]+)"', page.get("html", ""))
        if status != 200 or not meta:
            raise RuntimeError(f"the agent is not signed in ({status})")
        self.csrf = meta.group(1)

    def call(self, method: str, path: str, form: dict[str, str] | None = None,
             timeout: float = 40, port: int | None = None) -> tuple[int, Any]:
        headers = {"Cookie": self.cookie, "Accept": "application/json"}
        if method == "POST":
            headers |= {"X-CSRFToken": self.csrf,
                        "Content-Type": "application/x-www-form-urlencoded"}
        return request(method, port or self.port, path,
                       urlencode(form).encode() if form is not None else None, headers, timeout)

    def be_available(self) -> None:
        status, answer = self.call("POST", "/chat-desk/availability", {"available": "1"})
        if status != 200 or not answer.get("available"):
            raise RuntimeError(f"the agent could not become available: {status} {answer}")


# --- the latency run ----------------------------------------------------------------------

@dataclass
class Figures:
    to_agent: list[float] = field(default_factory=list)  # citizen POST → agent's poll
    to_citizen: list[float] = field(default_factory=list)  # agent's reply → citizen's poll
    say_post: list[float] = field(default_factory=list)  # the citizen's POST alone
    reply_post: list[float] = field(default_factory=list)  # the agent's reply POST alone
    lost: int = 0  # not seen within the deadline
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Seen:
    """Lines a poll loop received, by text, with the perf_counter when they arrived."""

    def __init__(self) -> None:
        self.at: dict[str, float] = {}
        self.changed = threading.Condition()

    def add(self, lines: list[dict[str, Any]], now: float) -> None:
        with self.changed:
            for line in lines:
                self.at.setdefault(line["text"], now)
            self.changed.notify_all()

    def wait(self, words: str, deadline: float) -> float | None:
        with self.changed:
            while words not in self.at:
                left = deadline - time.perf_counter()
                if left <= 0:
                    return None
                self.changed.wait(left)
            return self.at[words]


def poll_loop(fetch: Any, seen: Seen, stop: threading.Event, figures: Figures) -> None:
    """Keep one long poll open, as the widget and the agent's page do."""
    after = 0
    while not stop.is_set():
        try:
            answer = fetch(after)
        except Exception as error:  # the server stopping ends the loop too
            if not stop.is_set():
                with figures.lock:
                    figures.errors.append(f"poll: {error!r}")
                time.sleep(0.5)
            continue
        seen.add(answer["lines"], time.perf_counter())
        after = answer["after"] or after


def one_chat(i: int, ports: list[int], agent: Agent, reader: Any, rounds: int,
             figures: Figures, stop: threading.Event, deadline: float,
             pace: tuple[float, float]) -> None:
    from desk.models import Inquiry

    rng = random.Random(i)
    port = ports[i % len(ports)]  # several servers: citizens spread over them, and
    staff = ports[(i + 1) % len(ports)]  # the agent's page is served by another one
    citizen = Citizen(port)
    citizen.start(f"Innbygger {i}")
    written = citizen.say(f"Hei, dette er innbygger {i}.")
    with reader.connect() as connection:
        inquiry_id = connection.scalar(select(Inquiry.id).where(
            Inquiry.reference == written["reference"]))
    at_citizen, at_agent = Seen(), Seen()

    def citizen_poll(after: int) -> Any:
        return citizen.call("GET", f"messages?after={after}&wait=25", timeout=40)

    def agent_poll(after: int) -> Any:
        status, answer = agent.call("GET", f"/inquiries/{inquiry_id}/chat.json"
                                    f"?after={after}&wait=25", timeout=40, port=staff)
        if status != 200:
            raise RuntimeError(f"chat.json: {status}")
        return answer

    done = threading.Event()  # this chat's polls end with it (or with the run)
    pollers = [threading.Thread(target=poll_loop, args=(fetch, seen, done, figures), daemon=True)
               for fetch, seen in ((citizen_poll, at_citizen), (agent_poll, at_agent))]
    for poller in pollers:
        poller.start()
    try:
        _rounds(i, rng, citizen, agent, inquiry_id, staff, at_citizen, at_agent, rounds,
                figures, stop, deadline, pace)
    finally:
        done.set()
        with contextlib.suppress(Exception):  # a last line wakes both polls: they end now
            citizen.say(f"Takk, ha det. Innbygger {i}")
        for poller in pollers:
            poller.join(timeout=30)


# Seconds a person takes between lines: (low, high) of a uniform draw. "human": a
# citizen writes a line every few seconds and the agent answers after reading it;
# "stress": ten times faster, to find where the server saturates.
PACES = {"human": (2.0, 6.0), "stress": (0.3, 1.0)}


def _rounds(i: int, rng: random.Random, citizen: Citizen, agent: Agent, inquiry_id: int,
            staff: int, at_citizen: Seen, at_agent: Seen, rounds: int, figures: Figures,
            stop: threading.Event, deadline: float, pace: tuple[float, float]) -> None:
    # Both polls are waiting by now; the first question comes a person's pause after
    # the chat opened, as every later line does (at the stress pace, all within 1 s).
    time.sleep(0.5 + rng.uniform(*pace))
    for r in range(rounds):
        if stop.is_set() or time.perf_counter() > deadline:
            break
        words = f"Spørsmål {r} fra innbygger {i}"
        started = time.perf_counter()
        citizen.say(words)
        posted = time.perf_counter()
        seen_at = at_agent.wait(words, posted + 10)
        time.sleep(rng.uniform(*pace))  # the agent reads and types
        answer = f"Svar {r} til innbygger {i}"
        replied = time.perf_counter()
        status, sent = agent.call("POST", f"/inquiries/{inquiry_id}/chat/reply",
                                  {"text": answer}, port=staff)
        reply_done = time.perf_counter()
        if status != 201 or not sent.get("sent"):
            raise RuntimeError(f"reply: {status} {sent}")
        answered_at = at_citizen.wait(answer, reply_done + 10)
        with figures.lock:
            figures.say_post.append(posted - started)
            figures.reply_post.append(reply_done - replied)
            if seen_at is None or answered_at is None:
                figures.lost += 1
            if seen_at is not None:
                figures.to_agent.append(seen_at - started)
            if answered_at is not None:
                figures.to_citizen.append(answered_at - replied)
        time.sleep(rng.uniform(*pace))  # the citizen reads and types


def latency_run(server: Server, url: str, chats: int, rounds: int,
                pace: tuple[float, float]) -> Figures:
    agent = Agent(server.ports[0])
    agent.sign_in("kari")
    agent.be_available()
    for port in server.ports[1:]:  # the same session cookie works on every process
        if agent.call("GET", "/chat-desk/waiting.json", port=port)[0] != 200:
            raise RuntimeError("the agent's session is not accepted by the second server")
    figures, stop = Figures(), threading.Event()

    def keep_alive() -> None:  # the agent's page asks every 3 s
        while not stop.wait(3):
            with contextlib.suppress(Exception):
                agent.call("GET", "/chat-desk/waiting.json")

    threading.Thread(target=keep_alive, daemon=True).start()
    reader = create_engine(url)
    deadline = time.perf_counter() + 60 + rounds * 2 * pace[1]

    def run(i: int) -> None:
        try:
            one_chat(i, server.ports, agent, reader, rounds, figures, stop, deadline, pace)
        except Exception as error:  # counted and shown, the run goes on
            with figures.lock:
                figures.errors.append(f"chat {i}: {error!r}")

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(chats)]
    try:
        for thread in threads:
            thread.start()
            time.sleep(0.02)  # 50 starts in a second, not in one instant
        for thread in threads:
            thread.join(timeout=max(deadline + 30 - time.perf_counter(), 0.1))
    finally:
        stop.set()
        reader.dispose()
    return figures


# --- memory with many polls open ----------------------------------------------------------

@dataclass
class Memory:
    rss_start: dict[int, int]
    rss_before: dict[int, int]
    rss_open: dict[int, int]
    cpu_idle: float  # the server's CPU (cores) with no poll open
    cpu_open: float  # ... with the polls open and nothing happening
    status_ms: float  # median of a quick API call while they are open
    answered_early: int  # polls that came back before their wait (errors)


def memory_run(server: Server, polls: int, rss_start: dict[int, int]) -> Memory:
    citizens = [Citizen(server.ports[i % len(server.ports)]) for i in range(polls)]
    for i, citizen in enumerate(citizens):
        citizen.start(f"Lytter {i}")
    time.sleep(2)
    pids = server.pids()
    rss_before = {pid: rss_kb(pid) for pid in pids}
    cpu_idle = _cpu_over(pids, 3)
    early = []

    def wait_once(citizen: Citizen) -> None:
        started = time.perf_counter()
        try:
            citizen.call("GET", "messages?after=0&wait=20", timeout=40)
        except Exception:  # counted as early
            early.append(1)
            return
        if time.perf_counter() - started < 15:
            early.append(1)

    threads = [threading.Thread(target=wait_once, args=(c,), daemon=True) for c in citizens]
    for thread in threads:
        thread.start()
    time.sleep(4)  # all are waiting in the server now
    rss_open = {pid: rss_kb(pid) for pid in pids}
    cpu_open = _cpu_over(pids, 5)
    quick = []
    for _ in range(10):
        started = time.perf_counter()
        citizens[0].call("GET", "status", timeout=20)
        quick.append(time.perf_counter() - started)
    for thread in threads:
        thread.join(timeout=30)
    return Memory(rss_start, rss_before, rss_open, cpu_idle, cpu_open,
                  statistics.median(quick) * 1000, len(early))


def _cpu_over(pids: list[int], seconds: float) -> float:
    before, started = cpu_seconds(pids), time.perf_counter()
    time.sleep(seconds)
    return (cpu_seconds(pids) - before) / (time.perf_counter() - started)


# --- the report ---------------------------------------------------------------------------

def ms(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if q == 50:
        return statistics.median(values) * 1000
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] * 1000


@dataclass
class Run:
    database: str
    server: str
    pace: str
    figures: Figures
    memory: Memory | None
    cpu: dict[str, float]  # cores busy over the latency run: server, client, whole machine


def measure(url: str, server_kind: str, chats: int, rounds: int, polls: int,
            paces: list[str]) -> list[Run]:
    """One server per database; a latency run at each pace, then the memory run."""
    runs = []
    with tempfile.TemporaryDirectory(prefix="chat-bench-") as tmp:
        folder = Path(tmp)
        name = (url or "sqlite").split(":")[0].split("+")[0]
        url = url or f"sqlite:///{folder / 'bench.sqlite3'}"
        config = folder / "desk.toml"
        config.write_text(_toml(url, folder / "instance"))
        prepare(url, config)
        with serve(config, url, server_kind, folder / "server.log") as server:
            rss_start = {pid: rss_kb(pid) for pid in server.pids()}
            for pace in paces:
                server_before, client_before = cpu_seconds(server.all_pids()), time.process_time()
                machine_before, started = machine_busy(), time.perf_counter()
                figures = latency_run(server, url, chats, rounds, PACES[pace])
                seconds = time.perf_counter() - started
                machine_after = machine_busy()
                cpu = {"server": (cpu_seconds(server.all_pids()) - server_before) / seconds,
                       "client": (time.process_time() - client_before) / seconds,
                       "machine": (machine_after[0] - machine_before[0]) / seconds,
                       "cores": (machine_after[1] - machine_before[1]) / seconds,
                       "seconds": seconds}
                runs.append(Run(name, server.kind, pace, figures, None, cpu))
            runs[-1].memory = memory_run(server, polls, rss_start) if polls else None
        if any(run.figures.errors for run in runs):  # the server's side of them
            log = (folder / "server.log").read_text(errors="replace")
            print(f"--- {server.kind}: end of the server's log ---\n{log[-4000:]}", file=sys.stderr)
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chats", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5, help="lines each way per chat")
    parser.add_argument("--polls", type=int, default=200, help="open polls for the memory figure")
    parser.add_argument("--server", choices=("auto", "waitress", "waitress2", "gunicorn"),
                        default="auto", help="auto: waitress on SQLite, gunicorn on PostgreSQL")
    parser.add_argument("--database-url", default="", help="also run on this PostgreSQL URL")
    parser.add_argument("--pace", choices=("human", "stress", "both"), default="both",
                        help="seconds between a person's lines: human 2-6, stress 0.3-1")
    args = parser.parse_args()
    paces = ["human", "stress"] if args.pace == "both" else [args.pace]
    load = Path("/proc/loadavg").read_text().split()[:3]
    runs = [run for url in [""] + ([args.database_url] if args.database_url else [])
            for run in measure(url, args.server, args.chats, args.rounds, args.polls, paces)]
    print(f"{args.chats} chats at once, {args.rounds} lines each way; polls woken on commit; "
          f"goal p95 < {GOAL_MS:.0f} ms; load average before: {' '.join(load)}")
    print(f"{'database':<11}{'server':<24}{'pace':<8}{'direction':<17}{'n':>5}{'med ms':>8}"
          f"{'p95 ms':>8}{'max ms':>8}{'POST med':>9}{'POST p95':>9}  goal")
    for run in runs:
        figures = run.figures
        for label, values, posts in (("citizen → agent", figures.to_agent, figures.say_post),
                                     ("agent → citizen", figures.to_citizen,
                                      figures.reply_post)):
            p95 = ms(values, 95)
            print(f"{run.database:<11}{run.server:<24}{run.pace:<8}{label:<17}{len(values):>5}"
                  f"{ms(values, 50):>8.0f}{p95:>8.0f}{max(values, default=0) * 1000:>8.0f}"
                  f"{ms(posts, 50):>9.0f}{ms(posts, 95):>9.0f}  "
                  f"{'met' if p95 < GOAL_MS else 'NOT met'}")
    print()
    print(f"{'database':<11}{'pace':<8}{'lost':>5}{'errors':>7}{'seconds':>8}{'server CPU':>11}"
          f"{'per line ms':>12}{'bench CPU':>10}{'machine busy':>13}   (CPU in cores, over "
          "the latency run; per line: server CPU / lines both ways)")
    for run in runs:
        cpu, figures = run.cpu, run.figures
        lines = len(figures.say_post) + len(figures.reply_post)
        print(f"{run.database:<11}{run.pace:<8}{figures.lost:>5}{len(figures.errors):>7}"
              f"{cpu['seconds']:>8.1f}{cpu['server']:>11.2f}"
              f"{cpu['server'] * cpu['seconds'] * 1000 / max(lines, 1):>12.1f}"
              f"{cpu['client']:>10.2f}{cpu['machine']:>8.2f} of {cpu['cores']:.0f}")
        for error in run.figures.errors[:3]:
            print(f"    {error[:300]}")
    print()
    print(f"{'database':<11}{'processes':>10}{'RSS start MB':>13}{'RSS idle MB':>12}"
          f"{'RSS open MB':>12}{'per poll KB':>12}{'CPU idle':>9}{'CPU open':>9}"
          f"{'status ms':>10}{'early':>6}   ({args.polls} polls open)")
    for run in runs:
        memory = run.memory
        if memory is None:
            continue
        start, before = sum(memory.rss_start.values()), sum(memory.rss_before.values())
        opened = sum(memory.rss_open.values())
        print(f"{run.database:<11}{len(memory.rss_open):>10}{start / 1024:>13.1f}"
              f"{before / 1024:>12.1f}{opened / 1024:>12.1f}"
              f"{(opened - before) / max(args.polls, 1):>12.1f}{memory.cpu_idle:>9.2f}"
              f"{memory.cpu_open:>9.2f}{memory.status_ms:>10.1f}{memory.answered_early:>6}")


if __name__ == "__main__":
    main()
