"""E-mail: an IMAP mailbox read by a bounded fetch run (or IMAP IDLE) and its SMTP
account; mail imported from files; and the log kind, mail written to a file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from connectors.base import InboundMessage, Sender
from desk.config import ChannelConfig, DeskConfig
from desk.drivers.base import Driver, TakeInReport, Watcher
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


class EmailDriver(_Mail):
    kind = "email"
    icon = "✉"

    def settings(self, cfg: ChannelConfig, config: DeskConfig) -> MailboxSettings | None:
        """The mailbox to read, or None for a channel that only sends."""
        from desk.mail.settings import mailbox_settings, reads_mail

        return mailbox_settings(cfg, config) if reads_mail(cfg) else None

    def sender(self, cfg: ChannelConfig, config: DeskConfig, instance: Path) -> Sender | None:
        from connectors.email.smtp import SmtpSender
        from desk.mail.settings import smtp_access_token, smtp_settings

        return SmtpSender(smtp_settings(cfg, config), access_token=smtp_access_token(cfg, config))

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
