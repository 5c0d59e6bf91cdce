"""The public comment section's forms: role checks and CSRF on each; the admin's flag."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from desk.extensions import db
from desk.models import Message, Role, StandardReply
from tests.conftest import csrf_token
from tests.facebook.conftest import comment, delivery

ACTIONS = (("public-reply", {"text": "Takk, vi ser på det.", "confirm": "y"}),
           ("move-to-private", {}),
           ("hide-comment", {"reason": "Personopplysninger"}))


@pytest.fixture
def inquiry_id(hook) -> int:
    change = comment(comment_id="42_800")
    assert hook.post(delivery(changes=(change,))).status_code == 200
    found = db.session.scalar(select(Message).where(Message.external_id == "42_800"))
    return found.inquiry_id


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.ADMIN])
@pytest.mark.parametrize(("action", "data"), ACTIONS)
def test_roles_without_reply_rights_are_refused(client, auth, make_user, inquiry_id, graph,
                                                role, action, data) -> None:
    make_user("someone", role)
    auth.login("someone")
    token = csrf_token(client.get("/").get_data(as_text=True))
    response = client.post(f"/inquiries/{inquiry_id}/{action}",
                           data={**data, "csrf_token": token})
    assert response.status_code in (403, 404)
    assert graph.hidden == set()
    assert db.session.scalar(select(Message).where(Message.direction == "outbound")) is None


@pytest.mark.parametrize(("action", "data"), ACTIONS)
def test_every_form_needs_its_csrf_token(client, auth, make_user, inquiry_id, graph,
                                         action, data) -> None:
    make_user("kari")
    auth.login("kari")
    assert client.post(f"/inquiries/{inquiry_id}/{action}", data=data).status_code == 400
    assert graph.hidden == set()


@pytest.mark.parametrize(("action", "data"), ACTIONS)
def test_an_agent_with_the_token_gets_through(client, auth, make_user, inquiry_id, graph,
                                              action, data) -> None:
    make_user("kari")
    auth.login("kari")
    token = csrf_token(client.get(f"/inquiries/{inquiry_id}").get_data(as_text=True))
    response = client.post(f"/inquiries/{inquiry_id}/{action}",
                           data={**data, "csrf_token": token})
    assert response.status_code == 302
    page = client.get(f"/inquiries/{inquiry_id}").get_data(as_text=True)
    assert "flash-success" in page


def test_admin_marks_a_standard_reply_for_public_use(client, auth, make_user) -> None:
    make_user("boss", Role.ADMIN)
    auth.login("boss")
    token = csrf_token(client.get("/admin/standard-replies/new").get_data(as_text=True))
    client.post("/admin/standard-replies/new", data={
        "csrf_token": token, "title": "Vi svarer i innboks", "body_nb": "Takk! Se innboksen.",
        "category": "0", "active": "y", "public": "y"})
    reply = db.session.scalar(select(StandardReply))
    assert reply is not None and reply.public
