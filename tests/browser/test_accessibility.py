"""axe-core on every page the desk serves, as each role sees it: no WCAG 2.1 A/AA violation.

Pages are found from the app's URL map, so a new GET page is checked as soon
as it exists; a URL argument the test cannot fill fails loudly (add it below).
"""

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from desk import workflow
from desk.admin import catalog, schedule
from desk.channel_setup import store as setups
from desk.extensions import db
from desk.models import Channel, Priority, Role, Status, Unit, utcnow
from tests.browser.axe import axe_report

# Endpoints that are not pages: data for scripts, files, the health probe.
NOT_PAGES = {"static", "health.healthz", "chat.widget", "chat.api_status", "chat.api_poll",
             # The citizen's chat page: checked with a chat channel (test_webchat.py).
             "chat.page",
             # Facebook's webhook (its verification answers Facebook, not a person).
             "facebook.verify"}


@pytest.fixture
def world(make_user, make_inquiry) -> dict[str, Any]:
    agent = make_user("agent", Role.AGENT)
    leader = make_user("leader", Role.UNIT_LEADER, units=("byggesak",))
    admin = make_user("admin", Role.ADMIN)
    channel = db.session.scalar(select(Channel).where(Channel.name == "post"))
    # SLA targets, so the pages show due times in each state: overdue, soon or later, paused.
    schedule.set_sla_targets(admin, channel.id, {Priority.NORMAL: schedule.Targets(60, 900)})
    at_desk = make_inquiry(subject="Søppeltømming", text="Fnr 15028045686, hei")
    routed = make_inquiry(sender_address="kari@example.no", subject="Byggesøknad",
                          received_at=utcnow() - timedelta(days=3))
    waiting = make_inquiry(sender_address="per@example.no", subject="Vannmåler")
    workflow.reply(agent, waiting.id, "Hvilket målernummer?", then=Status.WAITING)
    unit = db.session.scalar(select(Unit).where(Unit.slug == "byggesak"))
    workflow.route_to_unit(agent, routed.id, unit.id, "Til dere")
    workflow.add_note(agent, at_desk.id, "Intern merknad")
    workflow.reply(agent, at_desk.id, "Vi ser på det.")
    # A channel set up on the admin page, for its own set-up page.
    setups.save(admin, setups.SetupInput(name="bychat", kind="webchat", display_name="Bychat"))
    category = catalog.save_category(admin, None, "Renovasjon")
    reply = catalog.save_standard_reply(admin, None, catalog.ReplyText(
        "Tømming", "Hei {citizen_name}", category_id=category.id))
    return {"agent": agent, "leader": leader, "admin": admin, "routed": routed,
            "args": {"inquiry_id": at_desk.id, "unit_id": unit.id, "user_id": leader.id,
                     "reply_id": reply.id, "channel_id": channel.id,
                     "category_id": category.id, "name": "bychat"}}


def pages(app: Flask, prefix: str, args: dict[str, int]) -> list[str]:
    """Every HTML GET page under `prefix`, with its URL arguments filled in."""
    urls = set()
    for rule in app.url_map.iter_rules():
        if ("GET" not in rule.methods or rule.endpoint in NOT_PAGES
                or rule.rule.endswith(".json") or "attachment" in rule.endpoint
                or not rule.rule.startswith(prefix)):
            continue
        missing = set(rule.arguments) - set(args) - set(rule.defaults or {})
        assert not missing, f"{rule.rule}: add a value for {missing} to world()['args']"
        urls.add(rule.build({a: args[a] for a in rule.arguments if a in args})[1])
    return sorted(urls)


def check_all(page: Any, urls: list[str]) -> None:
    reports = []
    for url in urls:
        response = page.goto(url)
        assert response is not None and response.ok, f"{url}: {response and response.status}"
        if report := axe_report(page):
            reports.append(report)
    assert not reports, "\n\n".join(reports)


def test_login_page(page, world) -> None:
    check_all(page, ["/login"])


def test_front_desk_pages_as_agent(app, sign_in_as, world) -> None:
    page = sign_in_as(world["agent"])
    urls = [u for u in pages(app, "/", world["args"]) if not u.startswith("/admin")]
    assert "/" in urls and f"/inquiries/{world['args']['inquiry_id']}" in urls
    check_all(page, [*urls, "/?view=all", "/?view=due", "/?sort=priority",
                     "/search?q=s%C3%B8ppel"])


def test_unit_queue_and_inquiry_as_unit_leader(sign_in_as, world) -> None:
    page = sign_in_as(world["leader"])
    check_all(page, ["/", f"/inquiries/{world['routed'].id}"])


def test_admin_pages(app, sign_in_as, world) -> None:
    page = sign_in_as(world["admin"])
    urls = pages(app, "/admin", world["args"])
    assert len(urls) >= 10
    check_all(page, urls)


def test_error_pages(sign_in_as, world) -> None:
    page = sign_in_as(world["agent"])
    for url, status in (("/admin/", 403), ("/no-such-page", 404)):
        assert page.goto(url).status == status
        assert not (report := axe_report(page)), report


@pytest.mark.parametrize("locale", ["nn", "en"])
def test_admin_overview_in_other_languages(sign_in_as, world, locale) -> None:
    page = sign_in_as(world["admin"])
    page.select_option("#locale", locale)
    page.click("form.language button[type=submit]")
    assert page.locator(f"html[lang={locale}]").count() == 1
    check_all(page, ["/admin/", "/admin/sla"])
