"""The admin pages: admins only, CSRF on every form, each change audited by its service."""

import pytest
from sqlalchemy import select

from desk.admin import schedule
from desk.extensions import db
from desk.models import (
    AdminLogEntry,
    Channel,
    OpeningHoursOverride,
    Priority,
    Role,
    SlaTarget,
    StandardReply,
    Unit,
    User,
)
from tests.conftest import csrf_token


@pytest.fixture
def admin(make_user, auth):
    user = make_user("admin", Role.ADMIN)
    auth.login("admin")
    return user


def post(client, url, data=None, page="/admin/"):
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(url, data={**(data or {}), "csrf_token": token})


def actions() -> list[str]:
    return list(db.session.scalars(select(AdminLogEntry.action).order_by(AdminLogEntry.id)))


def admin_urls(app) -> list[tuple[str, str]]:
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("admin."):
            url = rule.build(dict.fromkeys(rule.arguments, 1))[1]
            urls += [(m, url) for m in rule.methods - {"HEAD", "OPTIONS"}]
    return urls


@pytest.mark.parametrize("role", [Role.AGENT, Role.UNIT_LEADER, Role.SUPERVISOR])
def test_only_admins_get_in(app, client, auth, make_user, role) -> None:
    make_user("someone", role, units=("byggesak",) if role is Role.UNIT_LEADER else ())
    auth.login("someone")
    token = csrf_token(client.get("/login", follow_redirects=True).get_data(as_text=True))
    for method, url in admin_urls(app):
        response = client.open(url, method=method, data={"csrf_token": token})
        assert response.status_code == 403, (method, url)


def test_every_admin_form_needs_its_csrf_token(app, client, admin) -> None:
    posts = [url for method, url in admin_urls(app) if method == "POST"]
    assert len(posts) >= 12
    for url in posts:
        assert client.post(url, data={"name": "x"}).status_code == 400, url
    assert actions() == []


def test_units_and_members(client, admin, make_user, make_inquiry) -> None:
    person = make_user("kari", Role.UNIT_MEMBER, units=("skole",))
    response = post(client, "/admin/units", {"name": "Plan og bygg", "email": "pb@k.example"})
    unit = db.session.scalar(select(Unit).where(Unit.slug == "plan-og-bygg"))
    assert response.headers["Location"] == f"/admin/units/{unit.id}"

    post(client, f"/admin/units/{unit.id}", {"name": "Plan, bygg og oppmåling", "email": ""})
    post(client, f"/admin/units/{unit.id}/members", {"user": person.id})
    db.session.expire_all()
    assert unit.name == "Plan, bygg og oppmåling" and unit.email is None
    assert unit.members == [person]

    skole = db.session.scalar(select(Unit).where(Unit.slug == "skole"))
    post(client, f"/admin/units/{skole.id}/members/{person.id}/remove")
    db.session.expire_all()
    assert skole.members == []
    # Her last unit cannot go: a case officer without a unit would see nothing.
    post(client, f"/admin/units/{unit.id}/members/{person.id}/remove")
    db.session.expire_all()
    assert unit.members == [person]

    from desk import workflow

    agent = make_user("agent")
    workflow.route_to_unit(agent, make_inquiry().id, unit.id, "")
    post(client, f"/admin/units/{unit.id}/deactivate")
    db.session.expire_all()
    assert unit.active  # refused: an open inquiry lies there
    assert actions() == ["unit.created", "unit.updated", "unit.member_added",
                         "unit.member_removed"]


def test_users_roles_and_passwords(client, auth, admin, make_user) -> None:
    make_user("seed", Role.UNIT_LEADER, units=("byggesak",))
    post(client, "/admin/users", {"username": "Ola", "display_name": "Ola N", "email": "",
                                  "role": "agent", "unit": "", "password": "first"})
    ola = db.session.scalar(select(User).where(User.username == "ola"))
    page = client.get(f"/admin/users/{ola.id}").get_data(as_text=True)
    assert "Ola N" in page and ola.password_hash not in page and "argon2" not in page

    post(client, f"/admin/users/{ola.id}/role", {"role": "unit_member"})
    db.session.expire_all()
    assert ola.role is Role.AGENT  # refused: no unit yet
    post(client, f"/admin/users/{ola.id}/role", {"role": "supervisor"})
    post(client, f"/admin/users/{ola.id}/password", {"password": "second"})
    db.session.expire_all()
    assert ola.role is Role.SUPERVISOR

    auth.logout()
    assert auth.login("ola", "first").status_code == 200  # refused, form again
    assert auth.login("ola", "second").status_code == 302
    auth.logout()
    auth.login("admin")
    post(client, f"/admin/users/{ola.id}/deactivate")
    post(client, f"/admin/users/{admin.id}/deactivate")  # not oneself
    db.session.expire_all()
    assert not ola.active and admin.active
    auth.logout()
    assert auth.login("ola", "second").status_code == 200
    assert actions() == ["user.created", "user.role_changed", "user.password_reset",
                         "user.deactivated"]


def test_channel_can_be_disabled_and_enabled(client, admin) -> None:
    channel = db.session.scalar(select(Channel).where(Channel.name == "post"))
    page = client.get("/admin/channels").get_data(as_text=True)
    assert "Postmottak" in page
    post(client, f"/admin/channels/{channel.id}/disable", page="/admin/channels")
    db.session.expire_all()
    assert not channel.enabled
    post(client, f"/admin/channels/{channel.id}/enable", page="/admin/channels")
    db.session.expire_all()
    assert channel.enabled
    entries = db.session.scalars(select(AdminLogEntry).order_by(AdminLogEntry.id)).all()
    assert [(e.action, e.target, e.actor_id) for e in entries] == [
        ("channel.disabled", f"channels:{channel.id}", admin.id),
        ("channel.enabled", f"channels:{channel.id}", admin.id)]


def test_categories_and_standard_replies(client, admin) -> None:
    post(client, "/admin/categories", {"name": "Renovasjon"})
    post(client, "/admin/categories", {"name": "renovasjon"})  # a duplicate, refused
    post(client, "/admin/standard-replies/new", {
        "title": "Tømming", "body_nb": "Hei {citizen_name}", "body_nn": "Hei {citizen_name}!",
        "body_en": "", "category": 1, "active": "y"})
    reply = db.session.scalar(select(StandardReply))
    assert reply.body("nn") == "Hei {citizen_name}!" and reply.body("en") == "Hei {citizen_name}"
    assert reply.category.name == "Renovasjon"
    post(client, f"/admin/standard-replies/{reply.id}",
         {"title": "Tømming av avfall", "body_nb": "Hei", "category": 0})
    db.session.expire_all()
    assert (reply.title, reply.active, reply.category_id) == ("Tømming av avfall", False, None)
    assert "Tømming av avfall" in client.get("/admin/standard-replies").get_data(as_text=True)


def test_opening_hours_database_wins_until_reset(client, admin) -> None:
    assert schedule.opening_hours()[0].hours == "08:00-15:30"  # the config's default
    form = {f"hours-{d}": "" for d in range(7)} | {f"default-{d}": "1" for d in range(7)}
    del form["default-0"], form["default-5"]
    form |= {"hours-0": "7:30 - 16", "hours-5": ""}
    post(client, "/admin/opening-hours", form)
    days = schedule.opening_hours()
    assert (days[0].hours, days[0].overridden) == ("07:30-16:00", True)
    assert (days[5].hours, days[5].overridden) == ("", True)
    assert (days[1].hours, days[1].overridden) == ("08:00-15:30", False)

    post(client, "/admin/opening-hours", {**form, "hours-0": "16:00-08:00"})  # refused
    assert schedule.opening_hours()[0].hours == "07:30-16:00"
    post(client, "/admin/opening-hours", {f"default-{d}": "1" for d in range(7)})
    assert db.session.scalars(select(OpeningHoursOverride)).all() == []
    assert schedule.opening_hours()[0].hours == "08:00-15:30"


def test_sla_targets_per_channel_and_priority(client, admin) -> None:
    channel = db.session.scalar(select(Channel).where(Channel.name == "post"))
    post(client, f"/admin/sla/{channel.id}", {"first-urgent": "30", "resolution-urgent": "240",
                                              "first-normal": "480"})
    targets = schedule.sla_targets()
    assert targets[(channel.id, Priority.URGENT)] == schedule.Targets(30, 240)
    assert targets[(channel.id, Priority.NORMAL)] == schedule.Targets(480, None)
    assert (channel.id, Priority.LOW) not in targets
    post(client, f"/admin/sla/{channel.id}", {"first-urgent": "30", "resolution-urgent": "10"})
    assert schedule.sla_targets()[(channel.id, Priority.URGENT)].resolution == 240  # refused
    post(client, f"/admin/sla/{channel.id}", {})
    assert db.session.scalars(select(SlaTarget)).all() == []
