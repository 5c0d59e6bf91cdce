"""Real local mail servers as pytest fixtures: pymap for IMAP, aiosmtpd for SMTP.

Both listen on 127.0.0.1 on a free port, start fresh for each test and are torn
down after it. Re-export the fixtures in a conftest.py to use them:
``from tests.mailservers import imap_server, smtp_server``.
"""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import NamedTuple

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

HOST = "127.0.0.1"
IMAP_USER = "demouser"
IMAP_PASSWORD = "demopass"
SMTP_USER = "post@kommune.example"
SMTP_PASSWORD = "hemmelig"
SMTP_TOKEN = "ya29.gyldig-token"
# How long `slow_smtp_server` takes to answer DATA: a busy relay.
SLOW_DATA_SECONDS = 1.5


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _wait_listening(port: int, process: subprocess.Popen[bytes], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"pymap exited with {process.returncode}")
        try:
            socket.create_connection((HOST, port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"pymap did not listen on {HOST}:{port} within {seconds}s")


class ImapServer(NamedTuple):
    host: str
    port: int
    username: str
    password: str
    folder: str


class TlsCertificate(NamedTuple):
    cert: Path
    key: Path

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts this certificate (for host 127.0.0.1)."""
        return ssl.create_default_context(cafile=str(self.cert))

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(self.cert), str(self.key))
        return context


@pytest.fixture(scope="session")
def tls_certificate(tmp_path_factory: pytest.TempPathFactory) -> TlsCertificate:
    """A self-signed certificate for 127.0.0.1, made with the openssl command."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return TlsCertificate(cert, key)


def _pymap(tls_args: list[str]) -> Iterator[ImapServer]:
    port = free_port()
    pymap = Path(sys.executable).with_name("pymap")
    process = subprocess.Popen(
        [str(pymap), "--host", HOST, "--port", str(port), *tls_args, "dict"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_listening(port, process)
        yield ImapServer(HOST, port, IMAP_USER, IMAP_PASSWORD, "INBOX")
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def imap_server() -> Iterator[ImapServer]:
    """A pymap server (in-memory `dict` backend, plain IMAP, no STARTTLS) with one
    empty INBOX for user demouser/demopass. It announces IDLE, MOVE and UIDPLUS."""
    yield from _pymap(["--no-tls"])


@pytest.fixture
def imap_starttls_server(tls_certificate: TlsCertificate) -> Iterator[ImapServer]:
    """Like `imap_server`, but offering STARTTLS with `tls_certificate`."""
    yield from _pymap(["--cert", str(tls_certificate.cert), "--key", str(tls_certificate.key)])


class ReceivedMail(NamedTuple):
    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=policy.default)  # type: ignore[return-value]


class SmtpServer(NamedTuple):
    host: str
    port: int
    messages: list[ReceivedMail]


class _Collector:
    """Accepts everything except recipients whose local part starts with
    ``tempfail`` (451 at RCPT) or ``reject`` (550 at RCPT). With `data_delay` it
    waits that long after the data before accepting the mail with 250."""

    def __init__(self, messages: list[ReceivedMail], data_delay: float = 0.0) -> None:
        self.messages = messages
        self.data_delay = data_delay

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0].lower()
        if local.startswith("tempfail"):
            return "451 4.3.0 Mailbox busy, try again later"
        if local.startswith("reject"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.data_delay)
        data = envelope.original_content or envelope.content
        self.messages.append(ReceivedMail(envelope.mail_from, tuple(envelope.rcpt_tos), data))
        return "250 Message accepted for delivery"


class _AuthCollector(_Collector):
    """Also speaks SASL XOAUTH2 as Microsoft 365 and Gmail do: an initial response
    ``user=...^Aauth=Bearer ...^A^A``; a bad token gets a 334 JSON error, then 535."""

    async def auth_XOAUTH2(self, server, args):
        blob = args[1].encode() if len(args) > 1 else await server.challenge_auth("")
        fields = dict(
            part.split("=", 1) for part in base64.b64decode(blob).decode().split("\x01") if part
        )
        if fields.get("user") == SMTP_USER and fields.get("auth") == f"Bearer {SMTP_TOKEN}":
            return AuthResult(success=True, auth_data=fields["user"])
        error = json.dumps({"status": "401", "schemes": "Bearer", "scope": "smtp"})
        await server.challenge_auth(error)  # the client answers with an empty line
        return AuthResult(success=False, handled=False)


def _authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (
        auth_data.login.decode(), auth_data.password.decode()) == (SMTP_USER, SMTP_PASSWORD)
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535


def _aiosmtpd(collector: type[_Collector] = _Collector, data_delay: float = 0.0,
              **tls: object) -> Iterator[SmtpServer]:
    messages: list[ReceivedMail] = []
    controller = Controller(collector(messages, data_delay), hostname=HOST, port=free_port(),
                            **tls)
    controller.start()
    try:
        yield SmtpServer(HOST, controller.port, messages)
    finally:
        controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """An aiosmtpd server without TLS or AUTH that keeps what it receives in
    `messages`. Recipients ``tempfail*@...`` get 451 and ``reject*@...`` get 550."""
    yield from _aiosmtpd()


@pytest.fixture
def slow_smtp_server() -> Iterator[SmtpServer]:
    """Like `smtp_server`, but it takes SLOW_DATA_SECONDS to accept each mail after
    its data, as a busy relay does. Several clients are served at the same time."""
    yield from _aiosmtpd(data_delay=SLOW_DATA_SECONDS)


@pytest.fixture
def smtp_starttls_server(tls_certificate: TlsCertificate) -> Iterator[SmtpServer]:
    """Like `smtp_server`, but requiring STARTTLS with `tls_certificate`."""
    yield from _aiosmtpd(tls_context=tls_certificate.server_context(), require_starttls=True)


@pytest.fixture
def smtp_tls_server(tls_certificate: TlsCertificate) -> Iterator[SmtpServer]:
    """Like `smtp_server`, but with implicit TLS (as on port 465)."""
    yield from _aiosmtpd(ssl_context=tls_certificate.server_context())


@pytest.fixture
def smtp_auth_server(tls_certificate: TlsCertificate) -> Iterator[SmtpServer]:
    """Like `smtp_starttls_server`, but refusing mail until the client logs in:
    PLAIN/LOGIN with SMTP_USER and SMTP_PASSWORD, or XOAUTH2 with SMTP_TOKEN."""
    yield from _aiosmtpd(_AuthCollector, tls_context=tls_certificate.server_context(),
                         require_starttls=True, auth_required=True,
                         authenticator=_authenticate)
