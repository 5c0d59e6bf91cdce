"""The front desk's and the units' pages through the test client: scope, CSRF, each flow."""

import re

import pytest
from sqlalchemy import func, select

from connectors.base import Attachment
from desk import workflow
from desk.extensions import db
from desk.models import Event, EventKind, Inquiry, Message, Role, StandardReply, Status, Unit
from tests.conftest import csrf_token

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
       b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00"
       b"\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture
def people(make_user):
    return {
        "agent": make_user("agent", Role.AGENT),
        "leader": make_user("leader", Role.UNIT_LEADER, units=("byggesak",)),
        "member": make_user("member", Role.UNIT_MEMBER, units=("byggesak",)),
        "other": make_user("skoleleder", Role.UNIT_LEADER, units=("skole",)),
    }


def unit_id(slug: str) -> int:
    return db.session.scalar(select(Unit.id).where(Unit.slug == slug))


def routed(people, make_inquiry, **overrides):
    inquiry = make_inquiry(**overrides)
    workflow.route_to_unit(people["agent"], inquiry.id, unit_id("byggesak"), "til dere")
    return inquiry


def event_count(inquiry_id: int) -> int:
    return db.session.scalar(select(func.count(Event.id)).where(Event.inquiry_id == inquiry_id))


def test_queue_shows_channel_age_and_masks_numbers(client, auth, people, make_inquiry):
    make_inquiry(subject="Fnr 15028045686 gjelder søknad")
    auth.login("agent")
    page = client.get("/").get_data(as_text=True)
    assert "Postmottak" in page and "✉" in page and "15028045686" not in page
    assert "Sensitiv" in page  # the flag is text, not colour alone
    assert re.search(r"<th scope=\"col\">Alder</th>", page)


def test_queue_filters_and_sorting_through_the_url(client, auth, people, make_inquiry):
    first = make_inquiry(subject="Først")
    second = make_inquiry(sender_address="b@example.no", subject="Sist")
    auth.login("agent")
    page = client.get("/?sort=oldest").get_data(as_text=True)
    assert page.index(first.reference) < page.index(second.reference)
    page = client.get(f"/?unit=front&status=new&channel={first.channel_id}&since=2000-01-01"
                      "&priority=bogus&category=x").get_data(as_text=True)
    assert first.reference in page and second.reference in page
    assert second.reference not in client.get("/?view=mine").get_data(as_text=True)


def test_live_queue_returns_new_rows_in_scope_only(client, auth, people, make_inquiry):
    old = routed(people, make_inquiry)
    auth.login("leader")
    since = re.search(r'data-since="(\d+)"', client.get("/").get_data(as_text=True)).group(1)
    assert since == str(old.id)
    new_for_unit = routed(people, make_inquiry, sender_address="c@example.no")
    make_inquiry(sender_address="d@example.no")  # at the front desk: not the leader's
    body = client.get(f"/queue/new.json?since={since}").get_json()
    assert body["count"] == 1 and new_for_unit.reference in body["html"][0]
    auth.logout()
    auth.login("skoleleder")
    assert client.get("/queue/new.json?since=0").get_json()["count"] == 0


def test_inquiry_page_shows_thread_notes_contact_and_history(client, auth, people, make_inquiry):
    inquiry = make_inquiry()
    older = make_inquiry(subject="Tidligere sak")
    workflow.resolve(people["agent"], older.id)
    workflow.add_note(people["agent"], inquiry.id, "Intern merknad")
    auth.login("agent")
    page = client.get(f"/inquiries/{inquiry.id}").get_data(as_text=True)
    assert "message-note" in page and "Intern merknad" in page
    assert older.reference in page and "ola@example.no" in page  # other inquiries, identities
    assert "Historikk" in page and "Notat lagt til" in page


def test_attachment_download_preview_and_scope(client, auth, people, make_inquiry):
    inquiry = routed(people, make_inquiry, attachments=(
        Attachment("bilde.png", "image/png", PNG), Attachment("x.svg", "image/svg+xml", b"<svg/>")))
    png, svg = db.session.scalars(select(Message).where(Message.inquiry_id == inquiry.id)
                                  ).first().attachments
    auth.login("leader")
    page = client.get(f"/inquiries/{inquiry.id}").get_data(as_text=True)
    assert f"/attachments/{png.id}?inline=1" in page and f"/attachments/{svg.id}?inline" not in page
    preview = client.get(f"/inquiries/{inquiry.id}/attachments/{png.id}?inline=1")
    assert preview.data == PNG and preview.mimetype == "image/png"
    download = client.get(f"/inquiries/{inquiry.id}/attachments/{svg.id}?inline=1")
    assert download.mimetype == "application/octet-stream"
    assert "attachment" in download.headers["Content-Disposition"]
    auth.logout()
    auth.login("skoleleder")
    assert client.get(f"/inquiries/{inquiry.id}/attachments/{png.id}").status_code == 404


NEW_POSTS = (
    ("assign", {"assignee": "0"}),
    ("classify", {"priority": "high", "category": "0", "language": "nn"}),
    ("merge", {"reference": "2026-000001"}),
    ("accept", {}),
    ("spam", {}),
    ("presence", {"typing": "1"}),
)


def test_other_unit_leader_cannot_use_any_new_view(client, auth, people, make_inquiry):
    inquiry = routed(people, make_inquiry)
    message = db.session.scalar(select(Message.id).where(Message.inquiry_id == inquiry.id))
    attachment_free = event_count(inquiry.id)
    auth.login("skoleleder")
    token = csrf_token(client.get("/").get_data(as_text=True))
    for path, data in (*NEW_POSTS, (f"messages/{message}/split", {})):
        response = client.post(f"/inquiries/{inquiry.id}/{path}",
                               data={**data, "csrf_token": token})
        assert response.status_code == 404, path
    assert client.get(f"/inquiries/{inquiry.id}/standard-replies.json").status_code == 404
    assert f">{inquiry.reference}</a>" not in client.get(
        f"/search?q={inquiry.reference}").get_data(as_text=True)
    assert event_count(inquiry.id) == attachment_free


def test_new_forms_need_their_csrf_token(client, auth, people, make_inquiry):
    inquiry = make_inquiry()
    before = event_count(inquiry.id)
    auth.login("agent")
    for path, data in NEW_POSTS:
        assert client.post(f"/inquiries/{inquiry.id}/{path}", data=data).status_code == 400, path
    assert client.post("/phone/new", data={"topic": "x", "said": "y"}).status_code == 400
    assert event_count(inquiry.id) == before and db.session.scalar(
        select(func.count(Inquiry.id))) == 1


def test_agent_triages_and_answers_with_a_standard_reply(client, auth, people, make_inquiry):
    db.session.add(StandardReply(title="Tømming", body_nb="Hei {citizen_name}! Sak {reference}.",
                                 body_nn="", body_en=""))
    db.session.commit()
    reply_id = db.session.scalar(select(StandardReply.id))
    inquiry = make_inquiry()
    auth.login("agent")
    page = client.get(f"/inquiries/{inquiry.id}?sr=tøm").get_data(as_text=True)
    assert f"use={reply_id}" in page
    page = client.get(f"/inquiries/{inquiry.id}?use={reply_id}").get_data(as_text=True)
    assert f"Hei Ola Nordmann! Sak {inquiry.reference}." in page  # prefilled without JS
    found = client.get(f"/inquiries/{inquiry.id}/standard-replies.json?q=tøm").get_json()
    assert found["replies"][0]["text"].startswith("Hei Ola")
    token = csrf_token(page)
    client.post(f"/inquiries/{inquiry.id}/classify", data={
        "priority": "urgent", "category": "0", "language": "nn", "csrf_token": token})
    client.post(f"/inquiries/{inquiry.id}/claim", data={"csrf_token": token})
    client.post(f"/inquiries/{inquiry.id}/reply", data={
        "text": "Hei Ola!", "then": "resolved", "channel": inquiry.channel_id,
        "csrf_token": token})
    db.session.refresh(inquiry)
    assert inquiry.priority.value == "urgent" and inquiry.language == "nn"
    assert inquiry.assignee_id == people["agent"].id and inquiry.status is Status.RESOLVED


def test_leader_accepts_assigns_and_member_answers(client, auth, people, make_inquiry):
    inquiry = routed(people, make_inquiry)
    auth.login("leader")
    page = client.get(f"/inquiries/{inquiry.id}").get_data(as_text=True)
    assert "Godta for enheten" in page and "Member" in page  # assign to a unit member
    token = csrf_token(page)
    client.post(f"/inquiries/{inquiry.id}/accept", data={"csrf_token": token})
    client.post(f"/inquiries/{inquiry.id}/assign",
                data={"assignee": people["member"].id, "csrf_token": token})
    auth.logout()
    auth.login("member")
    assert inquiry.reference in client.get("/?view=mine").get_data(as_text=True)
    page = client.get(f"/inquiries/{inquiry.id}").get_data(as_text=True)
    client.post(f"/inquiries/{inquiry.id}/reply", data={
        "text": "Svar fra enheten", "then": "waiting", "csrf_token": csrf_token(page)})
    kinds = db.session.scalars(select(Event.kind).where(Event.inquiry_id == inquiry.id)).all()
    wanted = (EventKind.ACCEPTED, EventKind.ASSIGNED, EventKind.REPLIED)
    assert [k for k in kinds if k in wanted] == list(wanted)


def test_merge_split_and_spam_through_the_forms(client, auth, people, make_inquiry):
    from desk.ingest import ingest
    from tests.conftest import inbound

    target = make_inquiry(subject="Mål")
    source = make_inquiry(sender_address="b@example.no", subject="Kilde")
    auth.login("agent")
    token = csrf_token(client.get(f"/inquiries/{source.id}").get_data(as_text=True))
    response = client.post(f"/inquiries/{source.id}/merge",
                           data={"reference": target.reference, "csrf_token": token})
    assert response.headers["Location"].endswith(f"/inquiries/{target.id}")
    ingest(inbound(subject=f"[{target.reference}] mer", text="ny sak egentlig"))
    last = db.session.scalar(select(Message.id).where(Message.inquiry_id == target.id)
                             .order_by(Message.id.desc()))
    response = client.post(f"/inquiries/{target.id}/messages/{last}/split",
                           data={"csrf_token": token})
    new_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert new_id not in (target.id, source.id)
    client.post(f"/inquiries/{new_id}/spam", data={"csrf_token": token})
    assert db.session.get(Inquiry, new_id).spam


def test_collision_warning_for_two_agents(app, client, auth, people, make_user, make_inquiry):
    make_user("kari", Role.AGENT)
    inquiry = make_inquiry()
    other = app.test_client()
    from tests.conftest import Auth

    Auth(other).login("kari")
    other_page = other.get(f"/inquiries/{inquiry.id}").get_data(as_text=True)
    auth.login("agent")
    page = client.get(f"/inquiries/{inquiry.id}").get_data(as_text=True)
    assert "Også åpen hos: Kari" in page
    body = other.post(f"/inquiries/{inquiry.id}/presence",
                      data={"typing": "1", "csrf_token": csrf_token(other_page)}).get_json()
    assert body == {"others": [{"name": "Agent", "typing": False}]}


def test_agent_registers_a_phone_call_and_resolves_it(client, auth, people):
    auth.login("agent")
    page = client.get("/phone/new").get_data(as_text=True)
    response = client.post("/phone/new", data={
        "channel": "phone", "name": "Kari", "phone": "91234567", "email": "",
        "topic": "Eiendomsskatt", "said": "Når kommer regningen?", "outcome": "resolved",
        "answer": "I mars.", "unit": "0", "comment": "", "csrf_token": csrf_token(page)})
    inquiry = db.session.scalar(select(Inquiry))
    assert response.headers["Location"].endswith(f"/inquiries/{inquiry.id}")
    assert inquiry.status is Status.RESOLVED
    page = client.get(f"/inquiries/{inquiry.id}").get_data(as_text=True)
    assert "I mars." in page and "førstelinjeløsning" in page


def test_phone_form_refuses_bad_email_and_unit_staff(client, auth, people):
    auth.login("agent")
    token = csrf_token(client.get("/phone/new").get_data(as_text=True))
    page = client.post("/phone/new", data={"channel": "phone", "email": "ikke-epost",
                                           "topic": "x", "said": "y", "outcome": "open",
                                           "csrf_token": token}).get_data(as_text=True)
    assert 'aria-invalid="true"' in page and db.session.scalar(select(Inquiry.id)) is None
    auth.logout()
    auth.login("leader")
    assert client.get("/phone/new").status_code == 403
