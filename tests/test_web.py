"""The pages: sign-in, roles on every view, CSRF on every form, health."""

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from desk import workflow
from desk.auth import PUBLIC_ENDPOINTS
from desk.extensions import db
from desk.models import Event, EventKind, OutboxItem, Role, Status, Unit
from tests.conftest import csrf_token


@pytest.fixture
def people(make_user):
    return {
        "agent": make_user("agent", Role.AGENT),
        "leader": make_user("leader", Role.UNIT_LEADER, units=("byggesak",)),
        "other": make_user("skoleleder", Role.UNIT_LEADER, units=("skole",)),
        "member": make_user("member", Role.UNIT_MEMBER, units=("byggesak",)),
        "supervisor": make_user("supervisor", Role.SUPERVISOR),
        "admin": make_user("admin", Role.ADMIN),
    }


@pytest.mark.parametrize("username, home", [
    ("agent", "/"), ("leader", "/"), ("member", "/"), ("supervisor", "/"), ("admin", "/admin/"),
])
def test_each_role_signs_in_and_lands_on_its_page(client, auth, people, username, home) -> None:
    response = auth.login(username)
    assert response.status_code == 302 and response.headers["Location"] == home
    page = client.get(home)
    assert page.status_code == 200
    assert people[username].display_name in page.get_data(as_text=True)


def test_wrong_password_is_refused(client, auth, people) -> None:
    response = auth.login("agent", "wrong")
    assert response.status_code == 200
    assert "Feil brukernavn eller passord" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_every_view_needs_a_signed_in_user(app: Flask, client: FlaskClient) -> None:
    # CSRF off, so a POST is turned away by the login check itself, not by a 400.
    app.config["WTF_CSRF_ENABLED"] = False
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        url = rule.build({arg: 1 if arg != "action" else "claim" for arg in rule.arguments})[1]
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(url, method=method)
            assert response.status_code == 302, (rule.endpoint, method, response.status_code)
            assert "/login" in response.headers["Location"], (rule.endpoint, method)
            checked += 1
    assert checked > 30  # every blueprint's views were reached


def test_forged_post_without_csrf_token_is_rejected(client, auth, people, make_inquiry) -> None:
    inquiry = make_inquiry()
    auth.login("agent")
    before = db.session.scalar(select(func.count(OutboxItem.id)))
    response = client.post(f"/inquiries/{inquiry.id}/reply", data={"text": "hei", "then": "open"})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(OutboxItem.id))) == before


def test_login_form_needs_its_csrf_token(client, people) -> None:
    response = client.post("/login", data={"username": "agent", "password": "secret"})
    assert response.status_code == 400
    assert client.get("/").status_code == 302  # still signed out


def test_agent_answers_through_the_form(client, auth, people, make_inquiry) -> None:
    inquiry = make_inquiry()
    auth.login("agent")
    page = client.get(f"/inquiries/{inquiry.id}").get_data(as_text=True)
    assert "Søppeltømming" in page and "Svar til innbyggeren" in page

    response = client.post(f"/inquiries/{inquiry.id}/reply", data={
        "text": "Hei, vi kommer i morgen.", "then": "waiting", "csrf_token": csrf_token(page)})

    assert response.status_code == 302
    db.session.refresh(inquiry)
    assert inquiry.status is Status.WAITING
    page = client.get(f"/inquiries/{inquiry.id}").get_data(as_text=True)
    assert "Hei, vi kommer i morgen." in page and "i kø" in page


def _routed_to_byggesak(people, make_inquiry):
    inquiry = make_inquiry()
    unit = db.session.scalar(select(Unit).where(Unit.slug == "byggesak"))
    workflow.route_to_unit(people["agent"], inquiry.id, unit.id, "til dere")
    return inquiry


def test_unit_leader_sees_only_the_units_inquiries(client, auth, people, make_inquiry) -> None:
    routed = _routed_to_byggesak(people, make_inquiry)
    at_front_desk = make_inquiry(sender_address="annen@example.no", subject="Parkering")

    auth.login("leader")
    queue = client.get("/").get_data(as_text=True)
    assert routed.reference in queue and at_front_desk.reference not in queue
    assert client.get(f"/inquiries/{routed.id}").status_code == 200
    assert client.get(f"/inquiries/{at_front_desk.id}").status_code == 404


def test_other_unit_leader_cannot_read_or_change_by_url_or_form(client, auth, people,
                                                                make_inquiry) -> None:
    inquiry = _routed_to_byggesak(people, make_inquiry)
    auth.login("skoleleder")
    assert inquiry.reference not in client.get("/?view=all").get_data(as_text=True)
    assert client.get(f"/inquiries/{inquiry.id}").status_code == 404

    token = csrf_token(client.get("/").get_data(as_text=True))
    for path, data in (
        ("reply", {"text": "hei", "then": "open"}),
        ("note", {"text": "notat"}),
        ("return", {"comment": "nei"}),
        ("claim", {}),
        ("resolve", {}),
    ):
        response = client.post(f"/inquiries/{inquiry.id}/{path}",
                               data={**data, "csrf_token": token})
        assert response.status_code == 404, path
    kinds = db.session.scalars(select(Event.kind).where(Event.inquiry_id == inquiry.id)).all()
    assert kinds[-2:] == [EventKind.OPENED, EventKind.ROUTED] and len(kinds) == 4


def test_unit_leader_returns_through_the_form(client, auth, people, make_inquiry) -> None:
    inquiry = _routed_to_byggesak(people, make_inquiry)
    auth.login("leader")
    page = client.get(f"/inquiries/{inquiry.id}").get_data(as_text=True)
    response = client.post(f"/inquiries/{inquiry.id}/return",
                           data={"comment": "Feil enhet", "csrf_token": csrf_token(page)})
    assert response.status_code == 302
    db.session.refresh(inquiry)
    assert inquiry.unit_id is None
    assert client.get(f"/inquiries/{inquiry.id}").status_code == 404  # no longer theirs


def test_agent_routes_through_the_form(client, auth, people, make_inquiry) -> None:
    inquiry = make_inquiry()
    unit = db.session.scalar(select(Unit).where(Unit.slug == "skole"))
    auth.login("agent")
    page = client.get(f"/inquiries/{inquiry.id}").get_data(as_text=True)
    client.post(f"/inquiries/{inquiry.id}/route",
                data={"unit": unit.id, "comment": "Skoleskyss", "csrf_token": csrf_token(page)})
    db.session.refresh(inquiry)
    assert inquiry.unit_id == unit.id


def test_supervisor_reads_but_gets_no_forms(client, auth, people, make_inquiry) -> None:
    inquiry = make_inquiry()
    auth.login("supervisor")
    page = client.get(f"/inquiries/{inquiry.id}").get_data(as_text=True)
    assert inquiry.reference in page and "Svar til innbyggeren" not in page


def test_admin_has_no_access_to_inquiries(client, auth, people, make_inquiry) -> None:
    inquiry = make_inquiry()
    auth.login("admin")
    assert client.get("/").status_code == 403
    assert client.get(f"/inquiries/{inquiry.id}").status_code == 403
    assert "Postmottak" in client.get("/admin/").get_data(as_text=True)


def test_agents_cannot_open_admin(client, auth, people) -> None:
    auth.login("agent")
    assert client.get("/admin/").status_code == 403


def test_sensitive_inquiry_is_masked_in_the_queue_and_views_are_audited(
        client, auth, people, make_inquiry) -> None:
    inquiry = make_inquiry(subject="Fnr 15028045686", text="Mitt fnr er 15028045686")
    auth.login("agent")
    assert "15028045686" not in client.get("/").get_data(as_text=True)
    client.get(f"/inquiries/{inquiry.id}")
    viewed = db.session.scalar(select(Event).where(Event.kind == EventKind.VIEWED))
    assert viewed.actor_id == people["agent"].id


def test_queue_pages_by_keyset(client, auth, people, make_inquiry) -> None:
    from desk import queries

    for i in range(5):
        make_inquiry(sender_address=f"p{i}@example.no", subject=f"Sak {i}")
    query = queries.QueueQuery(view="open")
    first = queries.queue_page(people["agent"], query, limit=2)
    second = queries.queue_page(people["agent"], query, first.next_cursor, limit=2)
    third = queries.queue_page(people["agent"], query, second.next_cursor, limit=2)
    seen = [i.subject for i in first.inquiries + second.inquiries + third.inquiries]
    assert seen == [f"Sak {i}" for i in (4, 3, 2, 1, 0)]
    assert third.next_cursor is None


def test_next_parameter_cannot_leave_the_site(client, people) -> None:
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login?next=https://evil.example/", data={
        "username": "agent", "password": "secret", "csrf_token": token})
    assert response.headers["Location"] == "/"


def test_language_choice_is_remembered(client, auth, people) -> None:
    auth.login("agent")
    assert "Kø" in client.get("/").get_data(as_text=True)  # bokmål by default
    token = csrf_token(client.get("/").get_data(as_text=True))
    client.post("/language", data={"locale": "en", "csrf_token": token, "next": "/"})
    assert "Queue" in client.get("/").get_data(as_text=True)
    auth.logout()
    auth.login("agent")
    assert "Queue" in client.get("/").get_data(as_text=True)
    db.session.refresh(people["agent"])
    assert people["agent"].locale == "en"


def test_nynorsk_page(client, auth, people) -> None:
    auth.login("agent")
    token = csrf_token(client.get("/").get_data(as_text=True))
    client.post("/language", data={"locale": "nn", "csrf_token": token, "next": "/"})
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="nn">' in page and "Alle opne" in page


def test_healthz_reports_database_schema_and_worker(client) -> None:
    from desk.worker import beat

    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["database"] == "ok" and body["schema"]["at_head"]
    assert body["worker_heartbeat_age_seconds"] is None
    beat("w1")
    assert client.get("/healthz").get_json()["worker_heartbeat_age_seconds"] < 60


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path) -> None:
    from desk import create_app
    from tests.conftest import make_config

    url = "postgresql+psycopg://postgres@127.0.0.1:1/nothing?connect_timeout=1"
    app = create_app(make_config(url, tmp_path))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_unmigrated_database_says_what_to_run(tmp_path) -> None:
    from desk import create_app
    from tests.conftest import make_config

    app = create_app(make_config(f"sqlite:///{tmp_path / 'empty.sqlite3'}", tmp_path))
    response = app.test_client().get("/login")
    assert response.status_code == 503
    assert "desk db upgrade" in response.get_data(as_text=True)


def test_bokmal_even_for_an_english_browser(client) -> None:
    page = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="nb">' in page.get_data(as_text=True)
