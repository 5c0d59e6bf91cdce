"""The driver contract: a kind the desk has never heard of, registered by a test, is
read by the worker, sent on by the outbox, replayed by quarantine and shown by admin,
with no change anywhere else."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from flask import Flask
from sqlalchemy import select

from connectors.base import InboundMessage, OutboundMessage, Sender
from desk import drivers, quarantine, workflow
from desk.channels import channel_by_name, record_health
from desk.config import ChannelConfig, ConfigError, DeskConfig, current_config, load_config
from desk.drivers import Driver, Field, TakeInReport
from desk.drivers.options import ChannelOptions
from desk.extensions import db
from desk.models import Inquiry, Message, QuarantineItem, Role, SendState, utcnow
from desk.outbox import dispatch_due
from desk.worker import Worker
from tests.conftest import TEST_CHANNELS, csrf_token

# The pigeon loft: what arrived, what the desk sent, as a real channel's server would hold.
LOFT: dict[str, list[Any]] = {"arrived": [], "sent": []}


def parse(raw: bytes, channel: str) -> InboundMessage:
    """A pigeon's note is 'id|sender|text'; anything else cannot be read."""
    parts = raw.decode().split("|")
    if len(parts) != 3:
        raise ValueError("a pigeon's note has three parts")
    external_id, sender, text = parts
    return InboundMessage(channel=channel, external_id=external_id, sender_address=sender,
                          text=text, raw=raw)


class PigeonSender:
    def send(self, message: OutboundMessage) -> str:
        LOFT["sent"].append(message)
        return f"pigeon-{len(LOFT['sent'])}"


class PigeonDriver(Driver):
    kind = "pigeon"
    identity = drivers.driver_for("phone").identity  # a pigeon finds its way by address
    icon = "🐦"
    # What the admin page's set-up form asks for; nothing else in the desk knows them.
    fields = (Field("loft", "Loft", required=True), Field("flights", "Flights a day", "integer"),
              Field("ring", "Ring code", "secret"))

    def settings(self, cfg: ChannelConfig, config: DeskConfig) -> tuple[str, int]:
        read = ChannelOptions(cfg, config.source)
        return read.text("loft") or "", read.integer("flights", 2)

    def sender(self, cfg: ChannelConfig, config: DeskConfig, instance: Path) -> Sender | None:
        return PigeonSender()

    def pull(self, cfg: ChannelConfig, config: DeskConfig, holder: str) -> TakeInReport:
        report = TakeInReport(cfg.name)
        channel_id = channel_by_name(cfg.name).id
        db.session.rollback()
        started = utcnow()
        while LOFT["arrived"]:
            raw = LOFT["arrived"].pop(0)
            try:
                message, error = parse(raw, cfg.name), None
            except ValueError as exc:
                message, error = None, str(exc)
            taken = quarantine.take_in(message, channel_id=channel_id, raw=raw, error=error,
                                       source_id=None)
            report.outcomes[taken.outcome] += 1
        record_health(channel_id, started, None)
        return report

    def replay(self, raw: bytes, channel: str) -> InboundMessage:
        return parse(raw, channel)


@pytest.fixture(autouse=True)
def pigeon_kind() -> Iterator[None]:
    drivers.register(PigeonDriver())
    LOFT["arrived"].clear()
    LOFT["sent"].clear()
    yield
    drivers.unregister("pigeon")


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    return {"channels": [*TEST_CHANNELS, {"name": "due", "kind": "pigeon",
                                          "display_name": "Brevdue"}],
            "receipts": {"enabled": False},
            "security": {"channel_secrets_key": [Fernet.generate_key().decode()]}}


def test_a_registered_kind_is_taken_in_answered_replayed_and_shown(
    app: Flask, make_user, auth, client
) -> None:
    agent = make_user("agent", Role.AGENT)
    LOFT["arrived"] += [b"p1|+4712345678|Hei fra dua", b"not a note"]

    Worker(app, worker_id="w1").take_in()  # the worker's take-in job, as scheduled

    inquiry = db.session.scalar(select(Inquiry))
    assert inquiry.channel.name == "due" and inquiry.subject == "Hei fra dua"
    held = db.session.scalar(select(QuarantineItem))
    assert held.reason == "a pigeon's note has three parts"

    workflow.reply(agent, inquiry.id, "Svar med due")  # the only channel that reaches it
    assert len(dispatch_due("w1").sent) == 1
    (sent,) = LOFT["sent"]
    assert (sent.recipient, sent.text) == ("12345678", "Svar med due")  # as normalised
    reply = db.session.scalar(select(Message).where(Message.text == "Svar med due"))
    assert reply.send_state is SendState.SENT and reply.external_id == "pigeon-1"

    held.raw = b"p2|+4799999999|Rettet lapp"  # an admin fixed the note's bytes
    db.session.commit()
    assert quarantine.replay(held.id).reference is not None

    make_user("admin", Role.ADMIN)
    auth.login("admin")
    page = client.get("/admin/channels").get_data(as_text=True)
    assert "Brevdue" in page and "pigeon" in page


def test_an_unregistered_kind_is_refused_with_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="'channels\\[0\\]\\.kind' must be one of"):
        load_config(env={}, overrides={"channels": [{"name": "x", "kind": "carrier-snail"}]})


def test_every_built_in_kind_has_a_driver() -> None:
    assert {"email", "import", "log", "phone", "walkin", "telegram", "facebook",
            "webchat"} <= set(drivers.kinds())
    assert drivers.driver_for("phone").answered_in_person
    assert not drivers.driver_for("email").answered_in_person


def test_health_names_a_failing_channel(app: Flask) -> None:
    from desk.channels import Health, channel_health

    channel = channel_by_name("due")
    record_health(channel.id, datetime(2026, 12, 1, 9, tzinfo=utcnow().tzinfo), None)
    record_health(channel.id, utcnow(), "the loft is locked")
    health = {h.channel.name: h for h in channel_health(db.session)}
    assert health["due"].status is Health.FAILING and health["post"].status is Health.OK


def test_a_registered_kind_is_set_up_on_the_admin_page_from_its_fields(
    app: Flask, make_user, auth, client
) -> None:
    make_user("admin", Role.ADMIN)
    auth.login("admin")
    url = "/admin/channels/new?kind=pigeon"
    assert "kind=pigeon" in client.get("/admin/channels/new").get_data(as_text=True)
    form = client.get(url).get_data(as_text=True)
    assert 'name="opt_loft"' in form and 'name="opt_ring" type="password"' in form
    token = csrf_token(form)
    entered = {"csrf_token": token, "name": "due2", "display_name": "Brevdue to",
               "enabled": "y", "opt_loft": "Tårnet", "opt_ring": "R-17", "action": "save"}

    bad = client.post(url, data={**entered, "opt_flights": "often"})  # the driver's own rule
    assert bad.status_code == 400
    assert "&#39;channels.due2.flights&#39; must be a positive whole number" in bad.get_data(
        as_text=True)
    assert client.post(url, data=entered).status_code == 302

    cfg = current_config().channel("due2")
    assert (cfg.kind, cfg.options["loft"], cfg.options["ring"]) == ("pigeon", "Tårnet", "R-17")
    assert "R-17" not in client.get("/admin/channels/setup/due2").get_data(as_text=True)
    assert channel_by_name("due2").last_success_at is None
    LOFT["arrived"].append(b"p9|+4711111111|Fra den nye dua")
    Worker(app, worker_id="w1").take_in()  # both lofts are read; the note lands once
    db.session.rollback()
    assert channel_by_name("due2").last_success_at is not None
    assert db.session.scalar(select(Inquiry)).subject == "Fra den nye dua"
