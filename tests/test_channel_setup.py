"""Channels set up on the admin page: the form from the driver's fields, secrets sealed,
a connection test against real IMAP and SMTP servers, and workers that follow every
change without a restart."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from flask import Flask
from flask.testing import FlaskClient
from imapclient import IMAPClient
from sqlalchemy import func, select, text

from desk import create_app
from desk.channel_setup import running, store
from desk.channel_setup.keys import Keyring
from desk.channels import channel_by_name
from desk.config import ConfigError, current_config, load_config
from desk.drivers import driver_for
from desk.extensions import db
from desk.mail.idle import IdleWatcher
from desk.models import AdminLogEntry, ChannelSetup, Inquiry, Role
from desk.worker import Worker
from tests.conftest import TEST_CHANNELS, csrf_token, make_config
from tests.connectors.email.conftest import *  # noqa: F403 - the real mail servers
from tests.mail.conftest import citizen_mail
from tests.mailservers import ImapServer, SmtpServer

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    return {"security": {"channel_secrets_key": [KEY_A]}}


@pytest.fixture
def admin(make_user, auth) -> Any:
    """An admin who reads the desk in English (the tests match its English strings)."""
    user = make_user("admin", Role.ADMIN)
    user.locale = "en"
    db.session.commit()
    auth.login("admin")
    return user


def form_of(imap: ImapServer, smtp: SmtpServer, **changes: Any) -> dict[str, Any]:
    """What an admin types into the e-mail set-up form for the test servers."""
    data = {
        "name": "byen", "display_name": "Bymottak", "enabled": "y", "receipts": "y",
        "opt_address": "byen@kommune.example", "opt_imap_host": imap.host,
        "opt_imap_port": str(imap.port), "opt_imap_security": "none",
        "opt_username": imap.username, "opt_password": imap.password,
        "opt_imap_folder": imap.folder, "opt_imap_idle": "y", "opt_imap_start": "all",
        "opt_smtp_host": smtp.host, "opt_smtp_port": str(smtp.port),
        "opt_smtp_security": "none", "opt_timeout_seconds": "5", "action": "save",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def post(client: FlaskClient, url: str, data: dict[str, Any], page: str | None = None) -> Any:
    token = csrf_token(client.get(page or url).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def add_email(client: FlaskClient, imap: ImapServer, smtp: SmtpServer, **changes: Any) -> Any:
    return post(client, "/admin/channels/new?kind=email", form_of(imap, smtp, **changes))


def inquiries() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(Inquiry.id)))


def wait_for(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"not within {seconds}s")


def deliver(imap: ImapServer, *mails: bytes) -> None:
    client = IMAPClient(imap.host, port=imap.port, ssl=False, timeout=5)
    client.login(imap.username, imap.password)
    for raw in mails:
        client.append(imap.folder, raw)
    client.logout()


def stored_text() -> str:
    """Every column of the set-ups and the admin log, as the database holds them."""
    db.session.rollback()
    rows = db.session.execute(text("SELECT * FROM channel_setups")).all()
    rows += db.session.execute(text("SELECT * FROM admin_log")).all()
    return repr(rows)


def test_the_form_comes_from_the_driver_and_only_kinds_with_fields_are_offered(
    app: Flask, admin, client: FlaskClient
) -> None:
    page = client.get("/admin/channels/new").get_data(as_text=True)
    assert "kind=email" in page and "kind=webchat" in page
    assert "kind=phone" not in page and "kind=walkin" not in page and "kind=import" not in page
    assert client.get("/admin/channels/new?kind=phone").status_code == 404
    form = client.get("/admin/channels/new?kind=email").get_data(as_text=True)
    for field in driver_for("email").fields:
        assert f'name="opt_{field.key}"' in form
    password = re.search(r'<input[^>]*name="opt_password"[^>]*>', form).group(0)
    assert 'type="password"' in password and 'autocomplete="new-password"' in password
    assert "oauth2_token_command" not in form  # a shell command is never typed on a page


def test_an_admin_adds_a_mailbox_and_the_worker_takes_in_from_it(
    app: Flask, admin, client: FlaskClient, imap_server: ImapServer, smtp_server: SmtpServer
) -> None:
    response = add_email(client, imap_server, smtp_server, opt_imap_idle=None)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].endswith("/admin/channels/setup/byen")

    # The password is sealed: not in any column, not in the log, not on the page.
    assert imap_server.password not in stored_text()
    setup = db.session.scalar(select(ChannelSetup).where(ChannelSetup.name == "byen"))
    assert "password" not in setup.options and setup.secrets
    assert Keyring((KEY_A,)).open(setup.secrets) == {"password": imap_server.password}
    page = client.get("/admin/channels/setup/byen").get_data(as_text=True)
    assert imap_server.password not in page and "A value is stored" in page
    entry = db.session.scalar(select(AdminLogEntry).where(
        AdminLogEntry.action == "channel_setup.created"))
    assert entry.data["name"] == "byen" and "password" in entry.data["changed"]

    # Its channel row exists and the running config has the channel, password and all.
    assert channel_by_name("byen").enabled
    cfg = current_config().channel("byen")
    assert cfg.managed == "page" and cfg.options["password"] == imap_server.password

    deliver(imap_server, citizen_mail(subject="Via admin-siden"))
    Worker(app, worker_id="w1").take_in()  # the worker's take-in job, as scheduled
    inquiry = db.session.scalar(select(Inquiry))
    assert inquiry.channel.name == "byen" and inquiry.subject == "Via admin-siden"
    overview = client.get("/admin/channels").get_data(as_text=True)
    assert "Bymottak" in overview and 'href="/admin/channels/setup/byen"' in overview


def test_test_connection_says_what_answered_or_what_failed(
    app: Flask, admin, client: FlaskClient, imap_server: ImapServer, smtp_server: SmtpServer
) -> None:
    ok = add_email(client, imap_server, smtp_server, action="check")
    page = ok.get_data(as_text=True)
    assert ok.status_code == 200 and "Test connection succeeded" in page
    assert f"IMAP {imap_server.host}:{imap_server.port} logged in as" in page
    assert f"SMTP {smtp_server.host}:{smtp_server.port} answered" in page
    assert db.session.scalar(select(func.count(ChannelSetup.id))) == 0  # nothing saved

    wrong = add_email(client, imap_server, smtp_server, action="check",
                      opt_password="not-the-password").get_data(as_text=True)
    assert "Test connection failed: IMAP: log in to" in wrong
    assert 'id="error-summary"' in wrong and "not-the-password" not in wrong

    closed = add_email(client, imap_server, smtp_server, action="check",
                       opt_smtp_port=str(free_port())).get_data(as_text=True)
    assert "Test connection failed" in closed and "ConnectionRefusedError" in closed

    # A saved channel is tested with its stored password when the field is left blank.
    assert add_email(client, imap_server, smtp_server).status_code == 302
    again = post(client, "/admin/channels/setup/byen",
                 form_of(imap_server, smtp_server, name=None, opt_password="",
                         action="check")).get_data(as_text=True)
    assert "Test connection succeeded" in again


def free_port() -> int:
    from tests.mailservers import free_port as port

    return port()


def test_errors_are_the_drivers_own_and_sit_next_to_their_field(
    app: Flask, admin, client: FlaskClient, imap_server: ImapServer, smtp_server: SmtpServer
) -> None:
    bad = add_email(client, imap_server, smtp_server, opt_imap_port="many")
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert "&#39;channels.byen.imap_port&#39; must be a positive whole number" in page
    field = re.search(r'<input[^>]*name="opt_imap_port"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in field and "opt_imap_port-error" in field
    assert 'href="#opt_imap_port"' in page  # the summary links to it

    missing = add_email(client, imap_server, smtp_server, opt_smtp_host="")
    assert missing.status_code == 400
    assert 'id="opt_smtp_host-error">This field is required.' in missing.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ChannelSetup.id))) == 0


def test_an_edit_reaches_the_worker_and_removal_stops_it(
    app: Flask, admin, client: FlaskClient, imap_server: ImapServer, smtp_server: SmtpServer
) -> None:
    assert add_email(client, imap_server, smtp_server, opt_imap_idle=None).status_code == 302
    worker = Worker(app, worker_id="w1")
    edit = "/admin/channels/setup/byen"

    # Switched off on its form: the take-in job leaves the mailbox alone.
    off = form_of(imap_server, smtp_server, name=None, enabled=None, opt_password="",
                  opt_imap_idle=None)
    assert post(client, edit, off).status_code == 302
    assert not channel_by_name("byen").enabled
    deliver(imap_server, citizen_mail(subject="Mens av"))
    worker.take_in()
    assert inquiries() == 0

    # On again, with a change: the blank password kept the stored one.
    on = form_of(imap_server, smtp_server, name=None, opt_password="", opt_imap_idle=None,
                 display_name="Byens postmottak")
    assert post(client, edit, on).status_code == 302
    assert channel_by_name("byen").display_name == "Byens postmottak"
    worker.take_in()
    assert inquiries() == 1
    changed = db.session.scalar(select(AdminLogEntry).where(
        AdminLogEntry.action == "channel_setup.changed").order_by(AdminLogEntry.id.desc()))
    assert changed.data["changed"] == ["display_name", "enabled"]

    # Removed: its row stays for its inquiries, off; nothing more is taken in.
    token = csrf_token(client.get(edit).get_data(as_text=True))
    assert client.post(edit + "/delete", data={"csrf_token": token}).status_code == 302
    assert current_config().channel("byen") is None and not channel_by_name("byen").enabled
    deliver(imap_server, citizen_mail(subject="Etter sletting"))
    worker.take_in()
    assert inquiries() == 1
    assert client.get(edit).status_code == 404
    assert db.session.scalar(select(AdminLogEntry).where(
        AdminLogEntry.action == "channel_setup.deleted")) is not None


def test_a_running_worker_starts_restarts_and_stops_live_watchers(
    app: Flask, admin, client: FlaskClient, imap_server: ImapServer, smtp_server: SmtpServer
) -> None:
    worker = Worker(app, worker_id="w1")
    worker.start_watchers()
    try:
        assert worker.watchers == []
        assert add_email(client, imap_server, smtp_server).status_code == 302
        worker.follow_channels()  # the worker's "channels" job, as scheduled
        (first,) = worker.watchers
        assert isinstance(first, IdleWatcher) and first.channel == "byen"
        deliver(imap_server, citizen_mail(subject="Levende"))
        wait_for(lambda: inquiries() == 1, 10)

        edit = "/admin/channels/setup/byen"
        changed = form_of(imap_server, smtp_server, name=None, opt_password="",
                          opt_timeout_seconds="6")
        assert post(client, edit, changed).status_code == 302
        worker.follow_channels()
        (second,) = worker.watchers
        assert second is not first and not first.is_alive()
        assert second.settings.imap.timeout == 6
        worker.follow_channels()  # nothing changed: the same thread watches on
        assert worker.watchers == [second]

        token = csrf_token(client.get(edit).get_data(as_text=True))
        client.post(edit + "/delete", data={"csrf_token": token})
        worker.follow_channels()
        assert worker.watchers == [] and not second.is_alive()
    finally:
        worker.stop_watchers()


def test_another_process_sees_a_change_within_seconds(
    app: Flask, admin, client: FlaskClient, database_url: str, tmp_path: Path,
    imap_server: ImapServer, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = create_app(make_config(database_url, tmp_path / "other",
                                   security={"channel_secrets_key": [KEY_A]}))
    with other.app_context():
        assert current_config().channel("byen") is None  # read, and cached
    assert add_email(client, imap_server, smtp_server).status_code == 302
    with other.app_context():
        assert current_config().channel("byen") is None  # within its cache time
        monkeypatch.setattr(running, "CHECK_SECONDS", 0.0)
        cfg = current_config().channel("byen")
        assert cfg is not None and cfg.options["password"] == imap_server.password
        db.session.remove()
        db.engine.dispose()


def test_a_file_channel_is_shown_read_only(app: Flask, admin, client: FlaskClient) -> None:
    overview = client.get("/admin/channels").get_data(as_text=True)
    assert "Configuration file" in overview
    assert 'href="/admin/channels/setup/post"' not in overview
    page = client.get("/admin/channels/setup/post").get_data(as_text=True)
    assert "set up in the configuration file" in page and 'name="action"' not in page
    assert "post@kommune.example" not in page  # a file's options are not shown
    response = post(client, "/admin/channels/setup/post", {"display_name": "Kapret"},
                    page="/admin/channels")
    assert response.status_code == 404
    assert channel_by_name("post").display_name == "Postmottak"


@pytest.mark.parametrize("name, error", [
    ("post", "A channel of this name is in the configuration file."),
    ("phone", "A channel of this name is in the configuration file."),
    ("Store bokstaver", "Use 1 to 40 lower-case letters"),
])
def test_a_name_the_desk_has_or_cannot_use_is_refused(
    app: Flask, admin, client: FlaskClient, name: str, error: str
) -> None:
    response = post(client, "/admin/channels/new?kind=webchat",
                    {"name": name, "enabled": "y", "action": "save"})
    assert response.status_code == 400
    assert error in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ChannelSetup.id))) == 0


def test_a_stored_name_is_taken_once_and_the_file_wins_a_later_clash(
    app: Flask, admin, client: FlaskClient, database_url: str, tmp_path: Path
) -> None:
    chat = {"name": "chat", "enabled": "y", "action": "save",
            "opt_allowed_origins": "https://www.kommune.no\nhttps://kommune.no/"}
    assert post(client, "/admin/channels/new?kind=webchat", chat).status_code == 302
    again = post(client, "/admin/channels/new?kind=webchat", chat)
    assert "already set up here" in again.get_data(as_text=True)
    settings = driver_for("webchat").settings(current_config().channel("chat"), current_config())
    assert settings.allowed_origins == {"https://www.kommune.no", "https://kommune.no"}

    # The file later gets a channel of the same name: the file's is the one that runs.
    later = create_app(make_config(database_url, tmp_path / "later", channels=[
        *TEST_CHANNELS, {"name": "chat", "kind": "webchat", "display_name": "Filchat"}]))
    with later.app_context():
        (chat_cfg,) = [c for c in current_config().channels if c.name == "chat"]
        assert chat_cfg.managed == "file"
        assert running.problems(later)["chat"].startswith("a channel of this name is in the")
        db.session.remove()
        db.engine.dispose()


def test_non_admins_get_403(app: Flask, make_user, auth, client: FlaskClient) -> None:
    make_user("agent", Role.AGENT)
    auth.login("agent")
    for url in ("/admin/channels/new", "/admin/channels/new?kind=email",
                "/admin/channels/setup/post"):
        assert client.get(url).status_code == 403
    token = csrf_token(client.get("/").get_data(as_text=True))
    for url in ("/admin/channels/new?kind=webchat", "/admin/channels/setup/x",
                "/admin/channels/setup/x/delete"):
        assert client.post(url, data={"csrf_token": token, "name": "x"}).status_code == 403
    assert db.session.scalar(select(func.count(ChannelSetup.id))) == 0


def test_a_form_without_its_csrf_token_is_refused(app: Flask, admin, client: FlaskClient) -> None:
    response = client.post("/admin/channels/new?kind=webchat",
                           data={"name": "chat", "enabled": "y", "action": "save"})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(ChannelSetup.id))) == 0


def test_key_rotation_old_key_still_opens_new_key_seals(
    app: Flask, admin, client: FlaskClient, database_url: str, tmp_path: Path,
    imap_server: ImapServer, smtp_server: SmtpServer
) -> None:
    assert add_email(client, imap_server, smtp_server).status_code == 302
    sealed_with_a = db.session.scalar(select(ChannelSetup.secrets))

    rotated = create_app(make_config(database_url, tmp_path / "rotated",
                                     security={"channel_secrets_key": [KEY_B, KEY_A]}))
    rotated.config["TESTING"] = True
    with rotated.app_context():
        # The old key still opens what it sealed.
        cfg = current_config().channel("byen")
        assert cfg.options["password"] == imap_server.password
        # `desk secrets rotate`: everything sealed again with the first key.
        assert store.rotate_secrets(current_config()) == 1
        db.session.remove()
        sealed = db.session.scalar(select(ChannelSetup.secrets))
        assert sealed != sealed_with_a
        assert Keyring((KEY_B,)).open(sealed) == {"password": imap_server.password}
        db.session.remove()
        db.engine.dispose()


def test_new_key_command_prints_a_key_that_the_config_takes() -> None:
    from click.testing import CliRunner

    from desk.cli import main

    result = CliRunner().invoke(main, ["secrets", "new-key"])
    key = result.output.strip()
    assert result.exit_code == 0 and len(key) == 44
    config = load_config(env={"DESK_SECURITY_CHANNEL_SECRETS_KEY": f"{key}, {KEY_A}"})
    assert config.security.channel_secrets_key == (key, KEY_A)
    with pytest.raises(ConfigError, match=r"'security\.channel_secrets_key' must be keys made"):
        load_config(env={}, overrides={"security": {"channel_secrets_key": ["not-a-key"]}})


class TestWithoutAKey:
    @pytest.fixture
    def config_overrides(self) -> dict[str, Any]:
        return {}

    def test_the_page_says_how_to_make_one_and_stores_no_secret(
        self, app: Flask, admin, client: FlaskClient, imap_server: ImapServer,
        smtp_server: SmtpServer
    ) -> None:
        page = client.get("/admin/channels/new?kind=email").get_data(as_text=True)
        assert "desk secrets new-key" in page and "Fernet.generate_key()" in page
        password = re.search(r'<input[^>]*name="opt_password"[^>]*>', page).group(0)
        assert "disabled" in password

        # A disabled field is not sent by a browser; a hand-made request is refused.
        refused = add_email(client, imap_server, smtp_server)
        assert refused.status_code == 400
        assert "No key to encrypt secrets is configured" in refused.get_data(as_text=True)
        assert db.session.scalar(select(func.count(ChannelSetup.id))) == 0
        assert imap_server.password not in stored_text()

        # A channel with no secrets is set up all the same.
        chat = {"name": "chat", "enabled": "y", "action": "save"}
        assert post(client, "/admin/channels/new?kind=webchat", chat).status_code == 302
        assert current_config().channel("chat").managed == "page"


def test_the_channels_page_switch_turns_a_stored_set_up_off_and_on(
    app: Flask, admin, client: FlaskClient
) -> None:
    chat = {"name": "chat", "enabled": "y", "action": "save"}
    assert post(client, "/admin/channels/new?kind=webchat", chat).status_code == 302
    channel_id = channel_by_name("chat").id
    token = csrf_token(client.get("/admin/channels").get_data(as_text=True))
    client.post(f"/admin/channels/{channel_id}/disable", data={"csrf_token": token})
    db.session.rollback()
    assert not db.session.scalar(select(ChannelSetup.enabled))
    assert not current_config().channel("chat").enabled  # the running config follows
    form = client.get("/admin/channels/setup/chat").get_data(as_text=True)
    assert not re.search(r'<input[^>]*checked[^>]*name="enabled"', form)
    client.post(f"/admin/channels/{channel_id}/enable", data={"csrf_token": token})
    db.session.rollback()
    assert db.session.scalar(select(ChannelSetup.enabled)) and channel_by_name("chat").enabled
    assert current_config().channel("chat").enabled
