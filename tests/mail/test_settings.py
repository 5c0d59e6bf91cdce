"""E-mail channel options from the config file and the environment."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from connectors.email.smtp import SmtpSender
from desk.channels import build_sender
from desk.config import ConfigError, load_config
from desk.mail.settings import mailbox_settings, reads_mail, smtp_settings

BASE = {"name": "postmottak", "kind": "email", "address": "postmottak@kommune.no",
        "imap_host": "imap.kommune.no", "smtp_host": "smtp.kommune.no"}


def load(env: dict[str, str] | None = None, **options):
    return load_config(env=env or {}, overrides={"channels": [{**BASE, **options}]})


def test_defaults_follow_the_security_mode() -> None:
    config = load(password="hemmelig")
    cfg = config.channels[0]
    mailbox = mailbox_settings(cfg, config)
    assert reads_mail(cfg) and mailbox.idle and mailbox.start == "all"
    assert (mailbox.imap.port, mailbox.imap.security, mailbox.imap.folder) == (993, "tls", "INBOX")
    assert mailbox.imap.username == "postmottak@kommune.no" and mailbox.imap.auth == "password"
    assert mailbox.imap.max_attachment_bytes == config.attachments.max_bytes
    smtp = smtp_settings(cfg, config)
    assert (smtp.port, smtp.security, smtp.username, smtp.password, smtp.auth) == (
        587, "starttls", "postmottak@kommune.no", "hemmelig", "password")
    relay = load(smtp_auth=False).channels[0]
    assert (smtp_settings(relay, config).username, smtp_settings(relay, config).password) == (
        None, None)
    assert smtp.from_address == "postmottak@kommune.no" and smtp.from_name == ""
    assert smtp_settings(load(smtp_security="tls").channels[0], config).port == 465


def test_environment_strings_are_converted() -> None:
    env = {"DESK_CHANNEL_POSTMOTTAK_IMAP_PORT": "1143", "DESK_CHANNEL_POSTMOTTAK_IMAP_IDLE": "no",
           "DESK_CHANNEL_POSTMOTTAK_PASSWORD": "fra-miljøet"}
    config = load(env)
    mailbox = mailbox_settings(config.channels[0], config)
    assert mailbox.imap.port == 1143 and not mailbox.idle and mailbox.imap.password == "fra-miljøet"


@pytest.mark.parametrize(("options", "message"), [
    ({"imap_security": "ssl"}, "'channels.postmottak.imap_security' must be one of tls"),
    ({"imap_port": "abc"}, "'channels.postmottak.imap_port' must be a positive whole number"),
    ({"imap_idle": "kanskje"}, "'channels.postmottak.imap_idle' must be true or false"),
    ({"address": ""}, "missing setting 'channels.postmottak.address'"),
])
def test_bad_options_name_the_key(options, message) -> None:
    config = load(**options)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        mailbox_settings(config.channels[0], config)


def test_oauth2_token_from_a_file_or_a_command(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("ya29.token\n")
    config = load(oauth2_token_file=str(token_file))
    mailbox = mailbox_settings(config.channels[0], config)
    assert mailbox.imap.auth == "oauth2" and mailbox.access_token() == "ya29.token"

    command = f"{sys.executable} -c \"print('fra-kommando')\""
    config = load(oauth2_token_command=command)
    assert mailbox_settings(config.channels[0], config).access_token() == "fra-kommando"
    # The mailbox's token serves SMTP too, read afresh at every log-in.
    sender = build_sender(config.channels[0], tmp_path, config)
    assert isinstance(sender, SmtpSender) and sender.settings.auth == "oauth2"
    assert sender.settings.username == "postmottak@kommune.no"
    assert sender._access_token is not None and sender._access_token() == "fra-kommando"
    failing = load(oauth2_token_command=f"{sys.executable} -c 'raise SystemExit(3)'")
    with pytest.raises(OSError, match="exited with 3"):
        mailbox_settings(failing.channels[0], failing).access_token()


def test_channels_without_a_mailbox_are_not_read_and_email_sends_by_smtp(tmp_path: Path) -> None:
    config = load()
    assert isinstance(build_sender(config.channels[0], tmp_path, config), SmtpSender)
    staging = load(connector="log", imap_host="").channels[0]
    assert not reads_mail(staging)
    assert type(build_sender(staging, tmp_path, config)).__name__ == "LogSender"


def test_the_example_config_describes_a_working_mailbox() -> None:
    root = Path(__file__).resolve().parents[2]
    config = load_config(root / "config.example.toml", env={})
    cfg = config.channel("postmottak")
    mailbox, smtp = mailbox_settings(cfg, config), smtp_settings(cfg, config)
    assert mailbox.imap.processed_folder == "Behandlet" and mailbox.idle
    assert smtp.from_address == mailbox.imap.username == "postmottak@kommune.no"
