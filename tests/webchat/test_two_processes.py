"""Live updates across processes: the citizen's long poll is served by one web process,
the agent's reply by another, both on one PostgreSQL database (waitress, real HTTP)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from sqlalchemy import select

from desk.extensions import db
from desk.models import Inquiry
from tests.conftest import PG_URL, csrf_token
from tests.mailservers import _wait_listening, free_port
from tests.webchat.conftest import CHAT_CHANNEL

pytestmark = pytest.mark.skipif(not PG_URL, reason="two processes share a database: PostgreSQL")


def _toml(url: str, instance: Path) -> str:
    origins = ", ".join(f'"{o}"' for o in CHAT_CHANNEL["allowed_origins"])
    return (f'secret_key = "test-secret"\ninstance_path = "{instance}"\n'
            f'message_id_domain = "desk.test"\n[database]\nurl = "{url}"\n'
            f'[[channels]]\nname = "chat"\nkind = "webchat"\nalways_open = true\n'
            f'allowed_origins = [{origins}]\n')


@pytest.fixture
def two_servers(app: Flask, tmp_path: Path) -> Iterator[list[str]]:
    config = tmp_path / "desk.toml"
    config.write_text(_toml(str(PG_URL), tmp_path / "instance"))
    processes, bases = [], []
    for _ in range(2):
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "waitress", "--host=127.0.0.1", f"--port={port}",
             "--threads=8", "desk.wsgi:app"],
            env={"DESK_CONFIG": str(config), "PATH": "/usr/bin:/bin"},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes.append(process)
        _wait_listening(port, process, seconds=20)
        bases.append(f"http://127.0.0.1:{port}")
    try:
        yield bases
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


def _call(method: str, url: str, body: Any = None, token: str | None = None) -> Any:
    request = urllib.request.Request(url, method=method,
                                     data=json.dumps(body).encode() if body is not None else None)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


@pytest.mark.parametrize("config_overrides", [{"channels": [CHAT_CHANNEL]}])
def test_a_reply_through_one_process_reaches_a_poll_on_the_other(
        app: Flask, two_servers: list[str], agent: Any) -> None:
    citizen, staff = two_servers
    token = _call("POST", f"{citizen}/chat/chat/api/start", {"name": "Ola"})["token"]
    _call("POST", f"{citizen}/chat/chat/api/messages", {"id": str(uuid.uuid4()), "text": "Hei"},
          token)
    got: dict[str, Any] = {}

    def poll() -> None:
        started = time.monotonic()
        got["answer"] = _call("GET", f"{citizen}/chat/chat/api/messages?after=1&wait=20",
                              token=token)
        got["seconds"] = time.monotonic() - started

    waiting = threading.Thread(target=poll)
    waiting.start()
    time.sleep(1.0)  # the poll is waiting in the citizen's process now
    db.session.rollback()
    inquiry = db.session.scalars(select(Inquiry)).one()
    # The agent signs in and answers through the other process's reply view.
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    page = opener.open(f"{staff}/login", timeout=10).read().decode()
    opener.open(f"{staff}/login", data=urlencode({
        "username": agent.username, "password": "secret", "csrf_token": csrf_token(page),
    }).encode(), timeout=10)
    page = opener.open(f"{staff}/inquiries/{inquiry.id}", timeout=10).read().decode()
    token_meta = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert token_meta, "not signed in"
    sent = opener.open(urllib.request.Request(
        f"{staff}/inquiries/{inquiry.id}/chat/reply",
        data=urlencode({"text": "Hei, hva kan jeg hjelpe med?"}).encode(),
        headers={"X-CSRFToken": token_meta.group(1)}), timeout=10)
    assert json.loads(sent.read())["sent"]
    waiting.join(timeout=25)
    assert [line["text"] for line in got["answer"]["lines"]] == ["Hei, hva kan jeg hjelpe med?"]
    assert got["seconds"] < 5
