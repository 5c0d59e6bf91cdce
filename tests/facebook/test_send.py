"""Answers on Messenger through the outbox: sent once, split at 2,000 characters, files
uploaded, Graph's errors handled as the outbox wants, and the 24-hour window."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from connectors.base import Attachment
from desk import workflow
from desk.channels import Health, channel_by_name, channel_health
from desk.drivers import ChannelCheckError, driver_for
from desk.errors import ServiceError
from desk.extensions import db
from desk.models import (
    ContactIdentity,
    Event,
    EventKind,
    IdentityKind,
    Inquiry,
    OutboxItem,
    OutboxState,
    SendState,
    utcnow,
)
from desk.outbox import dispatch_due
from tests.facebook.conftest import delivery, message


@pytest.fixture
def agent(make_user):
    return make_user("kari")


def messenger_inquiry(hook, psid: str = "8001", hours_ago: float = 0) -> Inquiry:
    at = int((time.time() - hours_ago * 3600) * 1000)
    assert hook.post(delivery(message(psid=psid, text="Hei, jeg trenger hjelp",
                                      at_ms=at))).status_code == 200
    inquiry = db.session.scalar(select(Inquiry).where(Inquiry.conversation_key == psid))
    assert inquiry is not None
    dispatch_due("receipts")  # the receipt goes first, out of the way
    return inquiry


def texts_to(graph, psid: str) -> list[str]:
    return [c.body["message"].get("text", "") for c in graph.sent()
            if c.body.get("recipient") == {"id": psid}]


def test_a_reply_is_sent_once_with_the_page_token(app, hook, graph, agent) -> None:
    inquiry = messenger_inquiry(hook)
    before = len(texts_to(graph, "8001"))
    reply = workflow.reply(agent, inquiry.id, "Hei! Søppelet hentes på fredag.")
    report = dispatch_due("w1")
    assert len(report.sent) == 1
    assert texts_to(graph, "8001")[before:] == ["Hei! Søppelet hentes på fredag."]
    call = graph.sent()[-1]
    assert call.body["messaging_type"] == "RESPONSE" and call.token == graph.token
    assert call.path == "1000/messages"
    db.session.refresh(reply)
    assert reply.send_state is SendState.SENT and reply.external_id.startswith("m_")
    assert dispatch_due("w1").sent == []  # nothing twice
    assert len(texts_to(graph, "8001")) == before + 1


def test_long_text_is_split_in_order_and_files_are_uploaded(app, hook, graph, agent) -> None:
    inquiry = messenger_inquiry(hook, psid="8002")
    paragraphs = [f"Avsnitt {n}: " + "ord " * 120 for n in range(10)]
    text = "\n\n".join(paragraphs)
    assert len(text) > 4000
    workflow.reply(agent, inquiry.id, text, attachments=[
        Attachment("vedtak.pdf", "application/pdf", b"%PDF-1.4 test")])
    assert len(dispatch_due("w1").sent) == 1
    parts = texts_to(graph, "8002")[1:]  # after the receipt
    assert len(parts) >= 3 and all(len(p) <= 2000 for p in parts)
    assert " ".join(" ".join(parts).split()) == " ".join(text.split())
    upload = graph.sent()[-1]
    assert upload.files["filedata"] == ("vedtak.pdf", "application/pdf", b"%PDF-1.4 test")
    assert upload.body["message"]["attachment"]["type"] == "file"
    assert upload.body["recipient"] == {"id": "8002"}


def test_rate_limit_retries_after_the_wait_facebook_asks(app, hook, graph, agent) -> None:
    inquiry = messenger_inquiry(hook, psid="8003")
    workflow.reply(agent, inquiry.id, "Svar")
    graph.fail(r"POST 1000/messages", status=400, code=613,
               message="Calls to this api have exceeded the rate limit.", retry_after="600")
    now = utcnow()
    report = dispatch_due("w1", now=now)
    assert len(report.retrying) == 1
    item = db.session.get(OutboxItem, report.retrying[0])
    assert item.state is OutboxState.PENDING and "slow down" in item.last_error
    assert item.next_attempt_at >= now + timedelta(seconds=600)
    assert len(dispatch_due("w1", now=item.next_attempt_at + timedelta(seconds=1)).sent) == 1


def test_an_expired_token_marks_the_channel_failing(app, hook, graph, agent) -> None:
    inquiry = messenger_inquiry(hook, psid="8004")
    workflow.reply(agent, inquiry.id, "Svar")
    graph.fail(r"POST 1000/messages", status=400, code=190, subcode=463,
               message="Error validating access token: Session has expired")
    report = dispatch_due("w1")
    assert len(report.retrying) == 1
    health = {h.channel.name: h for h in channel_health(db.session)}["fb"]
    assert health.status is Health.FAILING
    assert "page_access_token" in health.channel.last_error


def test_an_unreachable_person_fails_for_good_on_the_inquiry(app, hook, graph, agent) -> None:
    inquiry = messenger_inquiry(hook, psid="8005")
    reply = workflow.reply(agent, inquiry.id, "Svar")
    graph.fail(r"POST 1000/messages", status=400, code=551,
               message="This person isn't available right now.")
    assert len(dispatch_due("w1").failed) == 1
    db.session.refresh(reply)
    assert reply.send_state is SendState.FAILED
    failed = db.session.scalar(select(Event).where(Event.kind == EventKind.SEND_FAILED,
                                                   Event.inquiry_id == inquiry.id))
    assert "not available on Messenger" in failed.data["error"]


def test_outside_24_hours_the_reply_is_refused_before_queueing(app, hook, graph, agent,
                                                               client, auth) -> None:
    inquiry = messenger_inquiry(hook, psid="8006", hours_ago=25)
    queued = db.session.scalar(select(func.count()).select_from(OutboxItem))
    with pytest.raises(ServiceError, match="24 hours"):
        workflow.reply(agent, inquiry.id, "For sent")
    assert db.session.scalar(select(func.count()).select_from(OutboxItem)) == queued
    # The citizen's e-mail is known: the page says why and offers that channel instead.
    db.session.add(ContactIdentity(contact_id=inquiry.contact_id, kind=IdentityKind.EMAIL,
                                   value="ola@example.no"))
    db.session.commit()
    auth.login("kari")
    page = client.get(f"/inquiries/{inquiry.id}").get_data(as_text=True)
    assert "within 24 hours" in page or "innen 24 timer" in page or 'id="reply-refusal"' in page
    post = channel_by_name("post")
    assert f'<option selected value="{post.id}">' in page or f'value="{post.id}"' in page
    assert f'value="{channel_by_name("fb").id}"' not in page
    message_ = workflow.reply(agent, inquiry.id, "Svar på e-post", channel_id=post.id)
    assert message_.address == "ola@example.no"


def test_inside_the_window_a_reply_goes(app, hook, agent) -> None:
    inquiry = messenger_inquiry(hook, psid="8007", hours_ago=23)
    assert workflow.reply(agent, inquiry.id, "I tide").send_state is SendState.QUEUED


def test_check_names_the_page_or_says_what_failed(app, graph) -> None:
    from desk.config import current_config

    config = current_config()
    cfg = config.channel("fb")
    driver = driver_for("facebook")
    with app.test_request_context(), force_locale("en"):  # the admin's button, in English
        assert driver.check(cfg, config, app.instance_path) == "Page Testkommune answered"
        graph.fail(r"GET me", status=400, code=190, message="Invalid OAuth access token")
        with pytest.raises(ChannelCheckError, match="190"):
            driver.check(cfg, config, app.instance_path)

