"""Public comments on the Page: no case handling in public."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from desk import workflow
from desk.errors import ServiceError
from desk.extensions import db
from desk.facebook import actions
from desk.facebook.public import check_public_reply
from desk.models import (
    Event,
    EventKind,
    Inquiry,
    Message,
    OutboxItem,
    StandardReply,
)
from desk.outbox import dispatch_due
from tests.facebook.conftest import PAGE, comment, delivery, message


@pytest.fixture
def agent(make_user):
    return make_user("kari")


def public_inquiry(hook, **fields) -> Inquiry:
    change = comment(**fields)
    assert hook.post(delivery(changes=(change,))).status_code == 200
    found = db.session.scalar(select(Message).where(
        Message.external_id == change["value"]["comment_id"]))
    assert found is not None
    return db.session.get(Inquiry, found.inquiry_id)


def test_a_comment_opens_a_public_inquiry_without_a_receipt(app, hook) -> None:
    inquiry = public_inquiry(hook, comment_id="42_900", text="Veien er ikke brøytet!")
    assert inquiry.public and inquiry.conversation_key == "comment:42_900"
    assert inquiry.contact.display_name == "Kari Nordmann"
    assert db.session.scalar(select(func.count()).select_from(OutboxItem)) == 0
    # Delivered again: a duplicate. The Page's own comment: ignored.
    hook.post(delivery(changes=(comment(comment_id="42_900"),)))
    hook.post(delivery(changes=(comment(comment_id="42_901", author=PAGE, name="Kommunen"),)))
    assert db.session.scalar(select(func.count()).select_from(Message)) == 1


def test_the_page_shows_the_warning_and_the_post(app, hook, client, auth, agent) -> None:
    inquiry = public_inquiry(hook, post_id=f"{PAGE}_77")
    auth.login("kari")
    page = client.get(f"/inquiries/{inquiry.id}").get_data(as_text=True)
    assert 'id="public-heading"' in page
    assert f"https://www.facebook.com/{PAGE}_77" in page
    assert "move-to-private" in page and "hide-comment" in page


def test_an_ordinary_reply_to_a_comment_is_refused(app, hook, agent) -> None:
    inquiry = public_inquiry(hook)
    with pytest.raises(ServiceError, match="public comment"):
        workflow.reply(agent, inquiry.id, "Hei Kari, saken din gjelder ...")
    assert db.session.scalar(select(func.count()).select_from(OutboxItem)) == 0


def guard(inquiry, text, *, standard=None, confirmed=False) -> None:
    from desk.standard_replies import fill

    user = db.session.scalar(select(__import__("desk.models", fromlist=["User"]).User))
    check_public_reply(db.session, inquiry, text, standard=standard,
                       standard_text=fill(standard, inquiry, user) if standard else None,
                       confirmed=confirmed)


def test_the_public_reply_rule(app, hook, agent) -> None:
    inquiry = public_inquiry(hook, author="55502", name="Per Hansen")
    # The same citizen wrote privately before (their Messenger id joined to the contact).
    from desk.models import ContactIdentity, IdentityKind

    db.session.add(ContactIdentity(contact_id=inquiry.contact_id, kind=IdentityKind.FACEBOOK,
                                   value="9001"))
    db.session.commit()
    hook.post(delivery(message(psid="9001", text="Jeg bor i Storgata 5 og har fått feil "
                                                 "faktura for vann og avløp")))
    public_ok = StandardReply(title="Vi svarer i innboks", public=True,
                              body_nb="Takk! Vi har sendt deg en melding i Messenger.")
    private_only = StandardReply(title="Intern", public=False,
                                 body_nb="Saken {reference} gjelder {citizen_name}.")
    named = StandardReply(title="Med navn", public=True,
                          body_nb="Hei {citizen_name}, saken har nummer {reference}.")
    db.session.add_all([public_ok, private_only, named])
    db.session.commit()

    with pytest.raises(ServiceError, match="national identity number"):
        guard(inquiry, "Vi fant 01010012356 i systemet", confirmed=True)
    with pytest.raises(ServiceError, match="personal details"):
        guard(inquiry, f"Per Hansen: saken {inquiry.reference} er mottatt", confirmed=True)
    with pytest.raises(ServiceError, match="personal details"):
        guard(inquiry, f"Sak {inquiry.reference}, vi ringer 98765432", confirmed=True)
    with pytest.raises(ServiceError, match="private message"):
        guard(inquiry, "Du har fått feil faktura for vann og avløp, det ordner vi",
              confirmed=True)
    with pytest.raises(ServiceError, match="confirm"):
        guard(inquiry, "Takk for innspillet, vi ser på det.")
    with pytest.raises(ServiceError, match="not marked as suitable"):
        guard(inquiry, "Saken gjelder noe", standard=private_only, confirmed=True)
    with pytest.raises(ServiceError, match="personal details"):  # placeholders count too
        guard(inquiry, f"Hei Per Hansen, saken har nummer {inquiry.reference}.",
              standard=named)
    # Allowed: a public standard reply unchanged; free text confirmed; the reference alone.
    guard(inquiry, "Takk! Vi har sendt deg en melding i Messenger.", standard=public_ok)
    guard(inquiry, "Takk for innspillet, vi ser på det.", confirmed=True)
    guard(inquiry, f"Vi har registrert dette som sak {inquiry.reference}.", confirmed=True)
    with pytest.raises(ServiceError, match="confirm"):  # an edited standard reply is free text
        guard(inquiry, "Takk! Vi har sendt deg en melding i Messenger. Per.",
              standard=public_ok)


def test_a_public_reply_is_posted_under_the_comment_once(app, hook, graph, agent) -> None:
    inquiry = public_inquiry(hook, comment_id="42_910")
    reply = StandardReply(title="Takk", public=True, body_nb="Takk, vi ser på det!")
    db.session.add(reply)
    db.session.commit()
    actions.public_reply(agent, inquiry.id, "", standard_reply_id=reply.id)
    assert len(dispatch_due("w1").sent) == 1
    assert dispatch_due("w1").sent == []
    posted = [c for c in graph.calls if c.path == "42_910/comments"]
    assert [c.body["message"] for c in posted] == ["Takk, vi ser på det!"]
    event = db.session.scalar(select(Event).where(Event.kind == EventKind.REPLIED))
    assert event.data["public"] is True


def test_move_to_private_continues_the_same_inquiry(app, hook, graph, agent) -> None:
    inquiry = public_inquiry(hook, comment_id="42_920", author="55503")
    graph.commenters["42_920"] = "9100"  # the page-scoped id Facebook answers with
    actions.move_to_private(agent, inquiry.id)
    with pytest.raises(ServiceError, match="already"):
        actions.move_to_private(agent, inquiry.id)
    assert len(dispatch_due("w1").sent) == 1
    [sent] = [c for c in graph.sent() if c.body["recipient"] == {"comment_id": "42_920"}]
    assert inquiry.reference in sent.body["message"]["text"]
    assert sent.body["messaging_type"] == "RESPONSE"
    assert db.session.scalar(select(Event).where(
        Event.kind == EventKind.MOVED_TO_PRIVATE)).data["comment_id"] == "42_920"
    # The citizen answers in Messenger: the same inquiry, and it can be answered there.
    hook.post(delivery(message(psid="9100", text="Her er jeg", mid="m_after")))
    after = db.session.scalar(select(Message).where(Message.external_id == "m_after"))
    assert after.inquiry_id == inquiry.id
    answer = workflow.reply(agent, inquiry.id, "Flott, da tar vi det her.")
    assert answer.address == "9100"


def test_hide_comment_is_recorded_once_with_the_reason(app, hook, graph, agent) -> None:
    inquiry = public_inquiry(hook, comment_id="42_930", text="Mitt fnr er 01010012356")
    assert actions.hide_comment(agent, inquiry.id, "Fødselsnummer i kommentaren")
    assert graph.hidden == {"42_930"}
    assert not actions.hide_comment(agent, inquiry.id, "igjen")
    [event] = db.session.scalars(select(Event).where(Event.kind == EventKind.COMMENT_HIDDEN))
    assert event.data == {"comment_id": "42_930", "comment": "Fødselsnummer i kommentaren"}
    assert event.actor_id == agent.id


def test_a_failed_hide_says_so_and_records_nothing(app, hook, graph, agent) -> None:
    inquiry = public_inquiry(hook, comment_id="42_940")
    graph.fail(r"POST 42_940$", status=400, code=200, message="Permissions error")
    with pytest.raises(ServiceError, match="did not hide"):
        actions.hide_comment(agent, inquiry.id, "Personopplysninger")
    assert db.session.scalar(select(func.count()).select_from(Event).where(
        Event.kind == EventKind.COMMENT_HIDDEN)) == 0
