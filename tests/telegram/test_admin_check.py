"""The admin's "Test connection" on a channel of the file: getMe against the Bot API
server, and a passing test clears a stale failing mark (a push channel, or a token
found revoked while sending, has no take-in run that would)."""

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from desk.channels import channel_by_name, record_error
from desk.extensions import db
from desk.models import Role, utcnow
from tests.botapi import BotApiServer
from tests.conftest import csrf_token


def english_admin(make_user: Any) -> None:
    """An admin who reads the desk in English (the tests match its English strings)."""
    make_user("admin", Role.ADMIN).locale = "en"
    db.session.commit()


def check(client: FlaskClient, name: str) -> Any:
    token = csrf_token(client.get(f"/admin/channels/setup/{name}").get_data(as_text=True))
    return client.post(f"/admin/channels/setup/{name}/check", data={"csrf_token": token})


def test_a_file_channel_is_tested_and_a_pass_clears_its_last_error(
        app: Flask, botapi: BotApiServer, make_user, auth, client: FlaskClient) -> None:
    english_admin(make_user)
    auth.login("admin")
    record_error(channel_by_name("tg").id, utcnow(), "Unauthorized: the token was revoked")

    page = check(client, "tg").get_data(as_text=True)

    assert "Test connection succeeded" in page and "@kommune_desk_bot" in page
    assert botapi.calls("getMe")
    db.session.rollback()
    assert channel_by_name("tg").last_error is None


def test_a_failing_test_says_why_and_keeps_the_mark(
        app: Flask, botapi: BotApiServer, make_user, auth, client: FlaskClient) -> None:
    english_admin(make_user)
    auth.login("admin")
    record_error(channel_by_name("tg").id, utcnow(), "Unauthorized: the token was revoked")
    botapi.fail("getMe", 401, "Unauthorized")

    page = check(client, "tg").get_data(as_text=True)

    assert "Test connection failed" in page and "Unauthorized" in page
    db.session.rollback()
    assert channel_by_name("tg").last_error == "Unauthorized: the token was revoked"


def test_only_admins_test_and_only_with_the_form_token(
        app: Flask, make_user, auth, client: FlaskClient) -> None:
    make_user("agent", Role.AGENT)
    auth.login("agent")
    assert client.post("/admin/channels/setup/tg/check").status_code in (400, 403)
    make_user("admin", Role.ADMIN)
    auth.logout()
    auth.login("admin")
    assert client.post("/admin/channels/setup/tg/check").status_code == 400  # no CSRF token
