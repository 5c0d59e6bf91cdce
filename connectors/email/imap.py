"""Fetch new mail from one IMAP folder by UID, and acknowledge it after commit.

The connector keeps no state between runs: the desk stores an `ImapCursor`
(UIDVALIDITY and the last UID handled) with the channel and passes it in. When
the server's UIDVALIDITY no longer matches the cursor, its UIDs mean nothing any
more, so the fetch starts again at UID 1; what the desk already has is skipped
by `is_known` on the Message-ID before any body is downloaded, and anything
left over is caught by the desk's unique (channel, external id) constraint.
Flags are never trusted: a mail another client already read is still new to
the desk, and fetching uses BODY.PEEK so it does not mark anything \\Seen.
"""

from __future__ import annotations

import re
import select
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import Any, Literal

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from connectors.base import Fetched
from connectors.email.decode import normalize_msgid
from connectors.email.fingerprint import FINGERPRINT_FIELDS, header_fingerprint
from connectors.email.parse import UnparseableMail, parse_message

# The header fields of the fingerprint: enough to tell a mail the desk has from
# another that reuses its Message-ID, before downloading the body.
_HEADER_ITEM = b"BODY.PEEK[HEADER.FIELDS (" + " ".join(FINGERPRINT_FIELDS).upper().encode() + b")]"
_IDLE_MAX_SECONDS = 29 * 60  # RFC 2177: re-issue IDLE at least every 29 minutes
_HEADER_CHUNK = 200


class ImapError(Exception):
    """The IMAP server could not be reached or refused a command."""


@dataclass(frozen=True)
class ImapCursor:
    """How far the desk has read one folder; `str()` and `parse()` for storage."""

    uidvalidity: int
    last_uid: int = 0

    def __str__(self) -> str:
        return f"{self.uidvalidity}:{self.last_uid}"

    @classmethod
    def parse(cls, text: str) -> ImapCursor:
        """The cursor from `str(cursor)` or from a `Fetched.source_id`."""
        validity, _, uid = text.partition(":")
        return cls(int(validity), int(uid or 0))


@dataclass(frozen=True)
class ImapSettings:
    """One mailbox. `security`: "tls" (port 993), "starttls" or "none" (local tests).

    `processed_folder`: `ack` moves mail there (created at connect if missing);
    None marks it \\Seen instead.
    """

    host: str
    username: str
    password: str | None = None
    port: int = 993
    security: Literal["tls", "starttls", "none"] = "tls"
    auth: Literal["password", "oauth2"] = "password"
    folder: str = "INBOX"
    processed_folder: str | None = None
    timeout: float = 30.0
    max_message_bytes: int = 50 * 1024 * 1024
    max_attachment_bytes: int | None = None


@contextmanager
def _imap_errors(action: str) -> Iterator[None]:
    try:
        yield
    except (IMAPClientError, OSError) as exc:  # OSError covers timeouts, resets and TLS
        raise ImapError(f"{action}: {type(exc).__name__}: {exc}") from exc


class ImapRun(Iterator[Fetched]):
    """The items of one fetch run. `cursor` covers every item yielded so far and
    every known message skipped: store it after each item is committed."""

    def __init__(self, cursor: ImapCursor, items: Callable[[ImapRun], Iterator[Fetched]]) -> None:
        self.cursor = cursor
        self.skipped_known = 0
        self._items = items(self)

    def __next__(self) -> Fetched:
        return next(self._items)

    def advance(self, uid: int) -> None:
        self.cursor = replace(self.cursor, last_uid=max(self.cursor.last_uid, uid))


class ImapFetcher:
    """A connection to one folder: `with ImapFetcher(settings, channel) as imap: ...`.

    `access_token` is called at login when `settings.auth == "oauth2"` (XOAUTH2);
    the caller owns refreshing it.
    """

    def __init__(
        self,
        settings: ImapSettings,
        channel: str,
        *,
        access_token: Callable[[], str] | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.settings = settings
        self.channel = channel
        self._access_token = access_token
        self._ssl_context = ssl_context or ssl.create_default_context()
        self._client: IMAPClient | None = None
        self.uidvalidity = 0

    # -- connection -------------------------------------------------------------

    def __enter__(self) -> ImapFetcher:
        self.connect()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def connect(self) -> None:
        s = self.settings
        with _imap_errors(f"connect to {s.host}:{s.port}"):
            client = IMAPClient(
                s.host,
                port=s.port,
                ssl=s.security == "tls",
                ssl_context=self._ssl_context,
                timeout=s.timeout,
            )
        try:
            self._login(client)
        except BaseException:
            client.shutdown()  # do not leak the socket of a failed login
            raise
        self._client = client

    def _login(self, client: IMAPClient) -> None:
        s = self.settings
        with _imap_errors(f"log in to {s.host}:{s.port} as {s.username}"):
            if s.security == "starttls":
                client.starttls(self._ssl_context)
            if s.auth == "oauth2":
                if self._access_token is None:
                    raise ImapError("oauth2 login needs an access_token callable")
                client.oauth2_login(s.username, self._access_token())
            else:
                client.login(s.username, s.password or "")
            if s.processed_folder and not client.folder_exists(s.processed_folder):
                client.create_folder(s.processed_folder)
            self._select(client)

    def close(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.logout()
        except (IMAPClientError, OSError):
            client.shutdown()  # a dead connection has nothing left to log out of

    @property
    def client(self) -> IMAPClient:
        if self._client is None:
            raise ImapError("not connected: use the fetcher as a context manager")
        return self._client

    def _select(self, client: IMAPClient | None = None) -> None:
        status = (client or self.client).select_folder(self.settings.folder)
        self.uidvalidity = int(status[b"UIDVALIDITY"])

    # -- fetching ---------------------------------------------------------------

    def current_cursor(self) -> ImapCursor:
        """A cursor at the newest mail now in the folder, to start a new channel at
        "from now on" instead of importing the whole history."""
        with _imap_errors("status"):
            self._select()
            uids = self.client.search(["ALL"])
        return ImapCursor(self.uidvalidity, max(uids, default=0))

    def fetch(
        self,
        cursor: ImapCursor | None = None,
        limit: int = 50,
        is_known: Callable[[str, str | None], bool] | None = None,
    ) -> ImapRun:
        """The mails after `cursor`, oldest first, at most `limit` downloaded.

        `is_known(message_id, fingerprint)` is asked before each body is
        downloaded. Known mail is not downloaded again, but it is acknowledged
        (the desk has committed it; a crash before its ack must not leave it in
        the folder for ever), and the cursor moves past it. A cursor of another
        UIDVALIDITY, or None, starts at UID 1.
        """
        with _imap_errors("select"):
            self._select()
        if cursor is None or cursor.uidvalidity != self.uidvalidity:
            cursor = ImapCursor(self.uidvalidity, 0)
        known = is_known or (lambda _mid, _fingerprint: False)
        return ImapRun(cursor, lambda run: self._items(run, limit, known))

    def _items(
        self, run: ImapRun, limit: int, is_known: Callable[[str, str | None], bool]
    ) -> Iterator[Fetched]:
        with _imap_errors("search"):
            # "n:*" always matches the highest UID, even below n: filter it out.
            uids = sorted(
                u
                for u in self.client.search(["UID", f"{run.cursor.last_uid + 1}:*"])
                if u > run.cursor.last_uid
            )
        downloaded = 0
        for start in range(0, len(uids), _HEADER_CHUNK):
            chunk = uids[start : start + _HEADER_CHUNK]
            with _imap_errors("fetch headers"):
                heads = self.client.fetch(chunk, [_HEADER_ITEM, b"RFC822.SIZE", b"FLAGS"])
            known: list[int] = []  # acknowledged before the next item is handed out
            for uid in chunk:
                if downloaded >= limit:
                    self._ack_uids(known)
                    return
                head = heads.get(uid)
                if head is None:  # expunged by another client meanwhile
                    run.advance(uid)
                    continue
                header_block = _header_block(head)
                message_id = normalize_msgid(header_block.get("message-id"))
                if message_id and is_known(message_id, header_fingerprint(header_block)):
                    if self._unacknowledged(head):
                        known.append(uid)
                    run.skipped_known += 1
                    run.advance(uid)
                    continue
                item = self._download(uid, int(head.get(b"RFC822.SIZE", 0)))
                run.advance(uid)
                self._ack_uids(known)
                known = []
                if item is not None:
                    downloaded += 1
                    yield item
            self._ack_uids(known)

    def _download(self, uid: int, size: int) -> Fetched | None:
        source_id = str(ImapCursor(self.uidvalidity, uid))
        too_big = size > self.settings.max_message_bytes
        section = b"HEADER" if too_big else b""
        with _imap_errors(f"fetch UID {uid}"):
            response = self.client.fetch([uid], [b"BODY.PEEK[" + section + b"]"])
        raw = response.get(uid, {}).get(b"BODY[" + section + b"]")
        if raw is None:
            return None
        if too_big:
            limit = self.settings.max_message_bytes
            reason = f"{size} bytes, over the limit of {limit}: only the header was fetched"
            return Fetched(None, source_id, raw=raw, error=reason)
        try:
            message = parse_message(
                raw,
                self.channel,
                max_bytes=self.settings.max_message_bytes,
                max_attachment_bytes=self.settings.max_attachment_bytes,
            )
        except UnparseableMail as exc:
            return Fetched(None, source_id, raw=raw, error=exc.reason)
        return Fetched(message, source_id)

    # -- acknowledging ----------------------------------------------------------

    def ack(self, item: Fetched) -> None:
        """Mark the mail \\Seen, and move it to `processed_folder` if one is set.

        A mail from before a UIDVALIDITY change cannot be found by UID any more
        and is left alone; the next fetch finds it again and the desk dedupes it.
        """
        cursor = ImapCursor.parse(item.source_id)
        if cursor.uidvalidity == self.uidvalidity:
            self._ack_uids([cursor.last_uid])

    def _unacknowledged(self, head: dict[bytes, Any]) -> bool:
        """A mail still waiting for its ack: in the folder we move mail out of, or unseen."""
        return bool(self.settings.processed_folder) or b"\\Seen" not in head.get(b"FLAGS", ())

    def _ack_uids(self, uids: list[int]) -> None:
        if not uids:
            return
        target = self.settings.processed_folder
        with _imap_errors(f"ack UID {','.join(map(str, uids))}"):
            self.client.add_flags(uids, [b"\\Seen"])
            if target is None:
                return
            if self.client.has_capability("MOVE"):
                self.client.move(uids, target)
                return
            self.client.copy(uids, target)
            self.client.add_flags(uids, [b"\\Deleted"])
            if self.client.has_capability("UIDPLUS"):
                self.client.uid_expunge(uids)
            else:
                self.client.expunge()  # also removes others' \Deleted mail: RFC 3501 has no better

    # -- waiting ----------------------------------------------------------------

    @property
    def supports_idle(self) -> bool:
        return bool(self.client.has_capability("IDLE"))

    def wait_for_new(self, timeout_seconds: float, after: ImapCursor | None = None) -> bool:
        """Block until the server announces new mail (True) or the timeout (False).

        With `after`, first make sure no mail past that cursor is already
        there: a server announces new mail once, in answer to whatever command
        comes next, so mail that arrived while the last fetch ran was announced
        to (and dropped by) those commands, and IDLE would not announce it again.
        NOOP collects what is pending; the search then sees the updated mailbox.
        Without IDLE this just sleeps, so a caller's wait-then-fetch loop turns
        into polling by itself.
        """
        if after is not None and after.uidvalidity == self.uidvalidity:
            with _imap_errors("noop"):
                _text, pending = self.client.noop()
                if _announces_mail(pending):
                    return True
                if any(uid > after.last_uid
                       for uid in self.client.search(["UID", f"{after.last_uid + 1}:*"])):
                    return True
        if not self.supports_idle:
            time.sleep(timeout_seconds)
            return False
        deadline = time.monotonic() + min(timeout_seconds, _IDLE_MAX_SECONDS)
        with _imap_errors("idle"):
            self.client.idle()
            try:
                return self._idle_until(deadline)
            finally:
                self.client.socket().settimeout(self.settings.timeout)
                self.client.idle_done()

    def _idle_until(self, deadline: float) -> bool:
        """Read IDLE's untagged lines until one announces mail (True) or time is up.

        Not IMAPClient.idle_check: it reads from a non-blocking socket and cuts a
        line the server sent in two TCP segments ("unterminated line"), which
        then breaks the connection. Here we wait for the socket to become
        readable, then read each line whole in blocking mode.
        """
        imap, sock = self.client._imap, self.client.socket()
        while True:
            if not self._line_buffered(imap, sock):
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not select.select([sock], [], [], remaining)[0]:
                    return False
            sock.settimeout(self.settings.timeout)  # data is coming: wait for the whole line
            if _NEW_MAIL.match(imap._get_line()):
                return True

    def _line_buffered(self, imap: Any, sock: socket.socket) -> bool:
        """Bytes already read into imaplib's (or TLS's) buffer, which select cannot see."""
        if isinstance(sock, ssl.SSLSocket) and sock.pending():
            return True
        sock.setblocking(False)
        try:
            return bool(imap.file.peek(1))
        except (BlockingIOError, ssl.SSLWantReadError):
            return False
        finally:
            sock.settimeout(self.settings.timeout)


_NEW_MAIL = re.compile(rb"^\* \d+ (EXISTS|RECENT)\b", re.IGNORECASE)


def _announces_mail(responses: list[Any]) -> bool:
    """True when untagged responses include EXISTS or RECENT (new mail)."""
    return any(
        isinstance(r, tuple) and len(r) > 1 and r[1] in (b"EXISTS", b"RECENT") for r in responses
    )


def _header_block(head: dict[bytes, object]) -> Message:
    """The fetched header fields, parsed as the source had them."""
    for key, value in head.items():
        if key.startswith(b"BODY[HEADER") and isinstance(value, bytes):
            return BytesHeaderParser(policy=compat32).parsebytes(value)
    return Message()
