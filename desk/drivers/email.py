"""E-mail: an IMAP mailbox read by a bounded fetch run (or IMAP IDLE) and its SMTP
account; mail imported from files; and the log kind, mail written to a file."""

from __future__ import annotations

import dataclasses
import smtplib
from pathlib import Path
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l

from connectors.base import InboundMessage, Sender, SendError
from desk.config import ChannelConfig, DeskConfig
from desk.drivers.base import ChannelCheckError, Driver, Field, TakeInReport, Watcher
from desk.models import IdentityKind

if TYPE_CHECKING:
    from flask import Flask

    from desk.mail.settings import MailboxSettings


class _Mail(Driver):
    """What every mail kind shares: the sender is an e-mail address, and a kept raw
    item is a mail, read again by the channel's parser."""

    identity = IdentityKind.EMAIL

    def replay(self, raw: bytes, channel: str) -> InboundMessage:
        from desk.mail.parsing import parse_mail

        return parse_mail(raw, channel)


# A connection test waits at most this long for each server.
CHECK_TIMEOUT = 10.0
_SECURITY = ("tls", "starttls", "none")


class EmailDriver(_Mail):
    kind = "email"
    icon = "✉"
    # What `desk.mail.settings` reads. OAuth2 (a token command or file) stays in the
    # config file: a command or path typed on a web page would run or read anything.
    fields = (
        Field("address", _l("E-mail address"), required=True,
              help=_l("The address citizens write to; replies are sent from it.")),
        Field("from_name", _l("Sender name on replies"),
              help=_l("Blank: the channel's display name.")),
        Field("imap_host", _l("IMAP server"), required=True),
        Field("imap_security", _l("IMAP security"), "choice", default="tls", choices=_SECURITY),
        Field("imap_port", _l("IMAP port"), "integer",
              help=_l("Blank: 993 with TLS, 143 otherwise.")),
        Field("username", _l("User name"), help=_l("Blank: the e-mail address.")),
        Field("password", _l("Password"), "secret"),
        Field("imap_folder", _l("Folder to read"), default="INBOX"),
        Field("processed_folder", _l("Folder for mail taken in"),
              help=_l("Blank: mail taken in is marked as read and stays where it is.")),
        Field("imap_idle", _l("Take in new mail at once (IMAP IDLE)"), "flag", default=True),
        Field("imap_start", _l("Mail already in the folder"), "choice", default="all",
              choices=("all", "new"),
              help=_l("all: take in what is there; new: only mail that comes from now on.")),
        Field("smtp_host", _l("SMTP server"), required=True),
        Field("smtp_security", _l("SMTP security"), "choice", default="starttls",
              choices=_SECURITY),
        Field("smtp_port", _l("SMTP port"), "integer",
              help=_l("Blank: 465 with TLS, 587 with STARTTLS, 25 otherwise.")),
        Field("smtp_auth", _l("Log in to the SMTP server"), "flag", default=True,
              help=_l("Off only for an internal relay that takes mail without a login.")),
        Field("smtp_username", _l("SMTP user name"), help=_l("Blank: the IMAP user name.")),
        Field("smtp_password", _l("SMTP password"), "secret",
              help=_l("Blank: the IMAP password.")),
        Field("timeout_seconds", _l("Network timeout in seconds"), "integer", default=30),
    )

    def settings(self, cfg: ChannelConfig, config: DeskConfig) -> MailboxSettings | None:
        """The mailbox to read, or None for a channel that only sends."""
        from desk.mail.settings import mailbox_settings, reads_mail

        return mailbox_settings(cfg, config) if reads_mail(cfg) else None

    def sender(self, cfg: ChannelConfig, config: DeskConfig, instance: Path) -> Sender | None:
        from connectors.email.smtp import SmtpSender
        from desk.mail.settings import smtp_access_token, smtp_settings

        return SmtpSender(smtp_settings(cfg, config), access_token=smtp_access_token(cfg, config))

    def check(self, cfg: ChannelConfig, config: DeskConfig, instance: Path) -> str:
        """Log in to the IMAP folder, then connect and log in to SMTP, each with a short
        timeout; one line saying what answered, or ChannelCheckError saying what failed."""
        from connectors.email.imap import ImapError, ImapFetcher
        from connectors.email.smtp import SmtpSender
        from desk.mail.settings import mailbox_settings, smtp_access_token, smtp_settings

        mailbox = mailbox_settings(cfg, config)
        imap = dataclasses.replace(mailbox.imap, timeout=min(mailbox.imap.timeout, CHECK_TIMEOUT))
        try:
            with ImapFetcher(imap, cfg.name, access_token=mailbox.access_token):
                pass
        except ImapError as exc:
            raise ChannelCheckError(f"IMAP: {exc}") from None
        smtp = smtp_settings(cfg, config)
        smtp = dataclasses.replace(smtp, timeout=min(smtp.timeout, CHECK_TIMEOUT))
        try:
            greeting = SmtpSender(smtp, access_token=smtp_access_token(cfg, config)).verify()
        except (smtplib.SMTPException, OSError, SendError) as exc:
            raise ChannelCheckError(f"IMAP {imap.host}:{imap.port} logged in as "
                                    f"{imap.username}; SMTP {smtp.host}:{smtp.port}: "
                                    f"{type(exc).__name__}: {exc}") from None
        login = f"logged in as {smtp.username}" if smtp.username else "no login"
        return (f"IMAP {imap.host}:{imap.port} logged in as {imap.username}, folder "
                f"{imap.folder}; SMTP {smtp.host}:{smtp.port} answered {greeting!r}, {login}")

    def pull(self, cfg: ChannelConfig, config: DeskConfig, holder: str) -> TakeInReport | None:
        from desk.mail.fetch import fetch_mailbox

        mailbox = self.settings(cfg, config)
        return fetch_mailbox(mailbox, holder) if mailbox is not None else None

    def watchers(self, app: Flask, cfg: ChannelConfig, config: DeskConfig,
                 holder: str) -> list[Watcher]:
        """An IMAP IDLE thread when the mailbox wants one. Its own lease holder: the
        poll job of the same worker must not share it."""
        from desk.mail.idle import IdleWatcher

        mailbox = self.settings(cfg, config)
        if mailbox is None or not mailbox.idle:
            return []
        watcher = IdleWatcher(app, mailbox, f"{holder}/idle", config.worker.poll_interval_seconds)
        watcher.start()
        return [watcher]


class ImportDriver(_Mail):
    """Mail imported from files (`desk import-mail`): nothing to fetch, nothing to send on."""

    kind = "import"
    icon = "⇩"


class LogDriver(_Mail):
    """A channel whose replies are only written to a file (`connector = "log"`)."""

    kind = "log"
    icon = "✉"
