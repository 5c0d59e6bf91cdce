"""Send `OutboundMessage` values over SMTP."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from connectors.base import OutboundMessage, PermanentFailure, SendError, TemporaryFailure
from connectors.email.compose import compose
from connectors.email.decode import normalize_msgid

# Authentication failures are the channel's configuration, not the message's
# fault: retrying after an admin fixes the password must still deliver it.
_AUTH_CODES = frozenset({530, 534, 535, 538})


@dataclass(frozen=True)
class SmtpSettings:
    """One SMTP account. `security`: "tls" (implicit, port 465), "starttls" or "none".

    `auth`: "password" logs in with `username` and `password` when a username is
    set (no username: an open relay); "oauth2" uses XOAUTH2 with a token from the
    sender's `access_token` callable (Microsoft 365, Google).
    """

    host: str
    port: int
    from_address: str
    message_id_domain: str
    from_name: str = ""
    security: Literal["tls", "starttls", "none"] = "starttls"
    username: str | None = None
    password: str | None = None
    auth: Literal["password", "oauth2"] = "password"
    timeout: float = 30.0


def _by_code(code: int, text: str) -> SendError:
    if 400 <= code < 500 or code in _AUTH_CODES:
        return TemporaryFailure(f"{code} {text}")
    return PermanentFailure(f"{code} {text}")


def _reply_text(raw: bytes | str) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


def xoauth2_response(username: str, token: str) -> Callable[[bytes | None], str]:
    """The SASL XOAUTH2 client for smtplib's `auth()`.

    The first call sends the initial response. If the server rejects the token it
    sends a 334 challenge with an error description and expects an empty line,
    after which it replies 535; answering anything else would be a protocol error.
    """

    def respond(challenge: bytes | None = None) -> str:
        return f"user={username}\x01auth=Bearer {token}\x01\x01" if challenge is None else ""

    return respond


class SmtpSender:
    """Delivers one message per connection; the outbox worker owns retries.

    `access_token` is called at every login when `settings.auth == "oauth2"`,
    so a token that expired since the last message is never reused.
    """

    def __init__(
        self,
        settings: SmtpSettings,
        ssl_context: ssl.SSLContext | None = None,
        *,
        access_token: Callable[[], str] | None = None,
    ) -> None:
        if settings.auth == "oauth2" and (access_token is None or not settings.username):
            raise ValueError("oauth2 needs a username and an access_token callable")
        self.settings = settings
        self.ssl_context = ssl_context or ssl.create_default_context()
        self._access_token = access_token

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.security == "tls":
            return smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=self.ssl_context)
        client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        if s.security == "starttls":
            client.starttls(context=self.ssl_context)
        return client

    def _login(self, client: smtplib.SMTP) -> None:
        s = self.settings
        if s.auth == "oauth2":
            assert self._access_token is not None and s.username  # checked in __init__
            try:
                token = self._access_token()
            except Exception as exc:  # the token command or file: retry once an admin fixed it
                raise TemporaryFailure(f"no OAuth2 access token: {exc}") from exc
            client.ehlo_or_helo_if_needed()
            client.auth("XOAUTH2", xoauth2_response(s.username, token))
        elif s.username:
            client.login(s.username, s.password or "")

    def verify(self) -> str:
        """Connect and log in as `send` would, send nothing (a connection test); the
        server's greeting. Raises what `connect` and `login` raise (smtplib, OSError)."""
        with self._connect() as client:
            code, greeting = client.ehlo()
            self._login(client)
            return _reply_text(greeting).splitlines()[0] if greeting else str(code)

    def send(self, message: OutboundMessage) -> str:
        """Send `message`; return its normalised Message-ID (the external id).

        Raises TemporaryFailure (4xx, network, timeouts, login) or PermanentFailure (5xx).
        """
        s = self.settings
        try:
            mail = compose(message, s.from_address, s.from_name, s.message_id_domain)
        except (ValueError, TypeError) as exc:
            raise PermanentFailure(f"cannot build the mail: {exc}") from exc
        try:
            with self._connect() as client:
                self._login(client)
                client.send_message(mail, from_addr=s.from_address, to_addrs=[message.recipient])
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()), (550, b"recipient refused"))
            raise _by_code(code, _reply_text(text)) from exc
        except smtplib.SMTPResponseException as exc:  # sender refused, data error, auth, helo
            raise _by_code(exc.smtp_code, _reply_text(exc.smtp_error)) from exc
        except (smtplib.SMTPException, OSError) as exc:  # disconnects, timeouts, TLS, refused
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc
        return normalize_msgid(mail["Message-ID"]) or ""
