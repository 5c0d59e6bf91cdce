"""ImapFetcher against a real pymap server; mail is put in with APPEND."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from imapclient import IMAPClient

from connectors.email.imap import ImapCursor, ImapError, ImapFetcher, ImapSettings
from tests.mailservers import ImapServer


def mail(n: int, message_id: str | None = None) -> bytes:
    mid = f"Message-ID: <{message_id or f'm{n}@example.no'}>\r\n" if message_id != "" else ""
    return (
        f"From: Innbygger {n} <innbygger{n}@example.no>\r\nTo: post@kommune.example\r\n"
        f"Subject: Henvendelse {n}\r\n{mid}Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"Tekst {n}\r\n"
    ).encode()


@pytest.fixture
def admin(imap_server: ImapServer) -> Iterator[IMAPClient]:
    """A second client, standing in for the mail system and other mail programs."""
    client = IMAPClient(imap_server.host, port=imap_server.port, ssl=False, timeout=5)
    client.login(imap_server.username, imap_server.password)
    client.select_folder(imap_server.folder)
    yield client
    client.logout()


def settings(server: ImapServer, **overrides) -> ImapSettings:
    values = {
        "host": server.host,
        "port": server.port,
        "username": server.username,
        "password": server.password,
        "security": "none",
        "folder": server.folder,
        "timeout": 5,
    }
    return ImapSettings(**{**values, **overrides})


def fetcher(server: ImapServer, **overrides) -> ImapFetcher:
    return ImapFetcher(settings(server, **overrides), "email")


def flags(admin: IMAPClient) -> dict[int, tuple[bytes, ...]]:
    admin.noop()  # take in what the fetcher's session changed
    fetched = admin.fetch(admin.search("ALL"), ["FLAGS"])
    return {uid: data[b"FLAGS"] for uid, data in fetched.items()}


def test_fetch_by_uid_and_advance_cursor(imap_server: ImapServer, admin: IMAPClient):
    for n in range(1, 4):
        admin.append(imap_server.folder, mail(n))
    with fetcher(imap_server) as imap:
        run = imap.fetch(None, limit=2)
        first = list(run)
        assert [i.message.external_id for i in first] == ["m1@example.no", "m2@example.no"]
        assert all(i.error is None for i in first)
        assert first[0].message.subject == "Henvendelse 1"
        cursor = run.cursor
        assert cursor == ImapCursor.parse(first[-1].source_id)

        run = imap.fetch(ImapCursor.parse(str(cursor)), limit=10)  # as stored by the desk
        assert [i.message.external_id for i in run] == ["m3@example.no"]
        assert run.cursor.last_uid > cursor.last_uid
        assert list(imap.fetch(run.cursor)) == []

        admin.append(imap_server.folder, mail(4))
        assert [i.message.external_id for i in imap.fetch(run.cursor)] == ["m4@example.no"]


def test_known_message_ids_are_skipped_before_download(imap_server, admin):
    for n in range(1, 4):
        admin.append(imap_server.folder, mail(n))
    asked: list[str] = []

    def is_known(message_id: str, fingerprint: str | None) -> bool:
        asked.append(message_id)
        assert fingerprint is not None and len(fingerprint) == 64
        return message_id != "m2@example.no"

    with fetcher(imap_server) as imap:
        run = imap.fetch(None, limit=10, is_known=is_known)
        items = list(run)
    assert [i.message.external_id for i in items] == ["m2@example.no"]
    assert asked == ["m1@example.no", "m2@example.no", "m3@example.no"]
    assert run.skipped_known == 2
    assert run.cursor.last_uid == max(admin.search("ALL"))  # moved past the known ones too
    # Known mail is acknowledged (the desk committed it); the new one waits for its ack.
    assert [b"\\Seen" in f for _uid, f in sorted(flags(admin).items())] == [True, False, True]


def test_fetching_does_not_set_seen_and_already_seen_mail_is_fetched(imap_server, admin):
    admin.append(imap_server.folder, mail(1), flags=[b"\\Seen"])  # read by someone else
    admin.append(imap_server.folder, mail(2))
    with fetcher(imap_server) as imap:
        items = list(imap.fetch(None))
    assert [i.message.external_id for i in items] == ["m1@example.no", "m2@example.no"]
    seen = {uid: b"\\Seen" in f for uid, f in flags(admin).items()}
    assert list(seen.values()) == [True, False]


def test_ack_marks_seen(imap_server, admin):
    admin.append(imap_server.folder, mail(1))
    admin.append(imap_server.folder, mail(2))
    with fetcher(imap_server) as imap:
        first, _second = imap.fetch(None)
        imap.ack(first)
    assert [b"\\Seen" in f for f in flags(admin).values()] == [True, False]


def test_ack_moves_to_processed_folder(imap_server, admin):
    admin.append(imap_server.folder, mail(1))
    with fetcher(imap_server, processed_folder="Behandlet") as imap:
        (item,) = imap.fetch(None)
        imap.ack(item)
    admin.noop()
    assert admin.search("ALL") == []
    admin.select_folder("Behandlet")
    (moved,) = admin.fetch(admin.search("ALL"), ["FLAGS", "BODY.PEEK[HEADER]"]).values()
    assert b"\\Seen" in moved[b"FLAGS"] and b"<m1@example.no>" in moved[b"BODY[HEADER]"]


def test_ack_without_move_capability_copies_and_expunges(imap_server, admin):
    admin.create_folder("Behandlet")
    admin.append(imap_server.folder, mail(1))
    admin.append(imap_server.folder, mail(2))
    with fetcher(imap_server, processed_folder="Behandlet") as imap:
        imap.client._cached_capabilities = tuple(  # as a server without MOVE would announce
            c for c in imap.client.capabilities() if c != b"MOVE"
        )
        first, _ = imap.fetch(None)
        imap.ack(first)
    admin.noop()
    assert len(admin.search("ALL")) == 1
    assert admin.folder_status("Behandlet", [b"MESSAGES"])[b"MESSAGES"] == 1


def test_uidvalidity_change_restarts_from_uid_1(imap_server, admin):
    admin.create_folder("Innboks")
    admin.append("Innboks", mail(1))
    with fetcher(imap_server, folder="Innboks") as imap:
        run = imap.fetch(None)
        assert len(list(run)) == 1
        old = run.cursor
    admin.delete_folder("Innboks")  # recreating a folder gives it a new UIDVALIDITY
    admin.create_folder("Innboks")
    admin.append("Innboks", mail(1))
    admin.append("Innboks", mail(2))
    with fetcher(imap_server, folder="Innboks") as imap:
        run = imap.fetch(old, is_known=lambda mid, _fp: mid == "m1@example.no")
        items = list(run)
    assert run.cursor.uidvalidity != old.uidvalidity
    assert [i.message.external_id for i in items] == ["m2@example.no"]
    assert run.skipped_known == 1


def test_ack_after_uidvalidity_change_is_ignored(imap_server, admin):
    admin.append(imap_server.folder, mail(1))
    with fetcher(imap_server) as imap:
        (item,) = imap.fetch(None)
        stale = item.__class__(item.message, f"{imap.uidvalidity + 1}:1")
        imap.ack(stale)
    assert b"\\Seen" not in next(iter(flags(admin).values()))


def test_unparseable_and_oversize_mail_come_back_with_error(imap_server, admin):
    admin.append(imap_server.folder, b"Subject: no sender\r\n\r\nbody\r\n")
    admin.append(imap_server.folder, mail(2) + b"x" * 5000)
    with fetcher(imap_server, max_message_bytes=1000) as imap:
        bad, big = imap.fetch(None)
    assert bad.message is None and bad.error == "no From header"
    assert bad.raw == b"Subject: no sender\r\n\r\nbody\r\n"
    assert big.message is None and "over the limit of 1000" in big.error
    assert big.raw.startswith(b"From: Innbygger 2") and b"xxxx" not in big.raw


def test_mail_without_message_id_is_always_downloaded(imap_server, admin):
    admin.append(imap_server.folder, mail(1, message_id=""))
    with fetcher(imap_server) as imap:
        (item,) = imap.fetch(None, is_known=lambda mid, _fp: True)
    assert item.message.external_id.endswith("@no-message-id.invalid")


def test_current_cursor_starts_a_channel_at_now(imap_server, admin):
    admin.append(imap_server.folder, mail(1))
    with fetcher(imap_server) as imap:
        cursor = imap.current_cursor()
        assert list(imap.fetch(cursor)) == []
        admin.append(imap_server.folder, mail(2))
        assert [i.message.external_id for i in imap.fetch(cursor)] == ["m2@example.no"]


def test_idle_wakes_on_append(imap_server, admin):
    with fetcher(imap_server) as imap:
        assert imap.supports_idle, "pymap announces IDLE"
        timer = threading.Timer(0.5, admin.append, (imap_server.folder, mail(1)))
        timer.start()
        started = time.monotonic()
        try:
            assert imap.wait_for_new(10) is True
        finally:
            timer.join()
        assert time.monotonic() - started < 3
        assert [i.message.external_id for i in imap.fetch(None)] == ["m1@example.no"]


def test_mail_that_came_during_the_last_fetch_is_not_left_waiting(imap_server, admin):
    """The race other helpdesks lose: mail arriving between a fetch and IDLE."""
    with fetcher(imap_server) as imap:
        run = imap.fetch(None)
        assert list(run) == []
        admin.append(imap_server.folder, mail(1))  # lands after the search, before IDLE
        started = time.monotonic()
        assert imap.wait_for_new(10, after=run.cursor) is True
        assert time.monotonic() - started < 1


def test_idle_times_out(imap_server):
    with fetcher(imap_server) as imap:
        started = time.monotonic()
        assert imap.wait_for_new(0.5) is False
        assert time.monotonic() - started < 2
        assert list(imap.fetch(None)) == []  # the connection is usable after IDLE


def test_wrong_password_is_an_imap_error(imap_server):
    with pytest.raises(ImapError, match="LoginError"), fetcher(imap_server, password="wrong"):
        pass


def test_oauth2_needs_a_token(imap_server):
    with pytest.raises(ImapError, match="access_token"), fetcher(imap_server, auth="oauth2"):
        pass


def test_starttls_login_and_fetch(imap_starttls_server: ImapServer, tls_certificate):
    server = imap_starttls_server
    client = IMAPClient(server.host, port=server.port, ssl=False, timeout=5)
    client.starttls(tls_certificate.client_context())
    client.login(server.username, server.password)
    client.append(server.folder, mail(1))
    client.logout()
    imap = ImapFetcher(
        settings(server, security="starttls"),
        "email",
        ssl_context=tls_certificate.client_context(),
    )
    with imap:
        assert [i.message.external_id for i in imap.fetch(None)] == ["m1@example.no"]
