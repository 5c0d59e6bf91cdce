"""The one place that reads an e-mail channel's `[[channels]]` options.

Options come from the TOML file or from DESK_CHANNEL_<NAME>_<KEY> variables
(always strings), so every value is checked and converted here, and a bad one
stops the desk with one line naming the file and the key.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from connectors.email.imap import ImapSettings
from connectors.email.smtp import SmtpSettings
from desk.config import ChannelConfig, DeskConfig
from desk.drivers.options import ChannelOptions

SECURITY = ("tls", "starttls", "none")
_IMAP_PORTS = {"tls": 993, "starttls": 143, "none": 143}
_SMTP_PORTS = {"tls": 465, "starttls": 587, "none": 25}


@dataclass(frozen=True)
class MailboxSettings:
    """What the desk needs to read one mailbox, besides the connector's own settings."""

    channel: str
    imap: ImapSettings
    # Watch the folder with IMAP IDLE in a thread; otherwise the poll job reads it.
    idle: bool
    # Where a channel without a stored cursor starts: "all" mail in the folder, or "new".
    start: str
    batch_size: int
    lease_seconds: int
    access_token: Callable[[], str] | None


def reads_mail(cfg: ChannelConfig) -> bool:
    """An enabled e-mail channel with a mailbox to read (`imap_host` set)."""
    return cfg.kind == "email" and cfg.enabled and bool(cfg.options.get("imap_host"))


def mailbox_settings(cfg: ChannelConfig, config: DeskConfig) -> MailboxSettings:
    opts = ChannelOptions(cfg, config.source)
    security = opts.choice("imap_security", SECURITY, "tls")
    token = access_token(opts)
    imap = ImapSettings(
        host=opts.required("imap_host"),
        port=opts.integer("imap_port", _IMAP_PORTS[security]),
        security=security,  # type: ignore[arg-type]
        username=opts.text("username") or opts.required("address"),
        password=opts.text("password"),
        auth="oauth2" if token else "password",
        folder=opts.text("imap_folder", "INBOX") or "INBOX",
        processed_folder=opts.text("processed_folder"),
        timeout=float(opts.integer("timeout_seconds", 30)),
        max_message_bytes=parse_limits(cfg, config)[0],
        max_attachment_bytes=config.attachments.max_bytes,
    )
    return MailboxSettings(
        channel=cfg.name,
        imap=imap,
        idle=opts.flag("imap_idle", True),
        start=opts.choice("imap_start", ("all", "new"), "all"),
        batch_size=opts.integer("fetch_batch_size", 50),
        lease_seconds=opts.integer("lease_seconds", 300),
        access_token=token,
    )


def smtp_settings(cfg: ChannelConfig, config: DeskConfig) -> SmtpSettings:
    opts = ChannelOptions(cfg, config.source)
    security = opts.choice("smtp_security", SECURITY, "starttls")
    # An internal relay may take mail without a login (smtp_auth = false); otherwise
    # the mailbox's own account is used unless smtp_username names another.
    login = opts.flag("smtp_auth", True)
    username = (opts.text("smtp_username") or opts.text("username") or opts.required("address")
                if login else None)
    oauth2 = smtp_access_token(cfg, config) is not None
    return SmtpSettings(
        host=opts.required("smtp_host"),
        port=opts.integer("smtp_port", _SMTP_PORTS[security]),
        from_address=opts.required("address"),
        from_name=opts.text("from_name") or cfg.display_name,
        message_id_domain=config.message_id_domain,
        security=security,  # type: ignore[arg-type]
        username=username,
        password=(opts.text("smtp_password") or opts.text("password")) if login else None,
        auth="oauth2" if oauth2 else "password",
        timeout=float(opts.integer("timeout_seconds", 30)),
    )


def smtp_access_token(cfg: ChannelConfig, config: DeskConfig) -> Callable[[], str] | None:
    """The XOAUTH2 token source for sending: the mailbox's own (same account, one
    token), unless SMTP logs in with nothing (smtp_auth = false, a relay)."""
    opts = ChannelOptions(cfg, config.source)
    return access_token(opts) if opts.flag("smtp_auth", True) else None


def access_token(opts: ChannelOptions) -> Callable[[], str] | None:
    """The XOAUTH2 token source, or None for password login.

    The desk does not run an OAuth flow itself: a command (e.g. a script using
    MSAL for Microsoft 365) prints a fresh token, or a sidecar keeps one in a
    file. Either is read at every login, so tokens can expire between runs.
    """
    command, path = opts.text("oauth2_token_command"), opts.text("oauth2_token_file")
    if command and path:
        raise opts._fail("oauth2_token_file", "unset when oauth2_token_command is set", path)
    if command:
        return lambda: _run_token_command(command)
    if path:
        return lambda: Path(path).read_text(encoding="utf-8").strip()
    return None


def _run_token_command(command: str) -> str:
    result = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=60,
                            check=False)
    token = result.stdout.strip()
    if result.returncode != 0 or not token:
        raise OSError(f"oauth2_token_command exited with {result.returncode} and no token: "
                      f"{result.stderr.strip()[:200]}")
    return token


def parse_limits(cfg: ChannelConfig | None, config: DeskConfig) -> tuple[int, int]:
    """(max_bytes, max_attachment_bytes) for parsing this channel's mail."""
    max_bytes = 50 * 1024 * 1024
    if cfg is not None:
        max_bytes = ChannelOptions(cfg, config.source).integer("max_message_bytes", max_bytes)
    return max_bytes, config.attachments.max_bytes
