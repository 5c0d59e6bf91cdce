"""Search through the full-text and contact indexes, the same on SQLite and PostgreSQL."""

from datetime import timedelta

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import delete, inspect, select, update

from desk import queries, search, workflow
from desk.extensions import db
from desk.models import Message, OutboxItem, Role, Unit, utcnow


@pytest.fixture
def people(make_user):
    return {
        "agent": make_user("agent", Role.AGENT),
        "leader": make_user("leader", Role.UNIT_LEADER, units=("byggesak",)),
        "other": make_user("skoleleder", Role.UNIT_LEADER, units=("skole",)),
    }


def unit_id(slug: str) -> int:
    return db.session.scalar(select(Unit.id).where(Unit.slug == slug))


@pytest.fixture(params=[search.RECENT_MESSAGES, 2, 0], ids=["recent", "few-recent", "no-recent"])
def recent(request, monkeypatch):
    """PostgreSQL tests the newest messages one by one and looks older ones up in the
    index (desk.search._through_messages): both halves must give the same answer."""
    monkeypatch.setattr(search, "RECENT_MESSAGES", request.param)


def found(user, text: str, limit: int = queries.PAGE_SIZE) -> list[str]:
    return [inquiry.reference for inquiry in queries.search(user, text, limit)]


@pytest.mark.parametrize("expansion", [search.MAX_EXPANSION, 1])
def test_words_and_prefixes_in_text_and_subject(people, make_inquiry, recent, expansion,
                                                monkeypatch):
    # SQLite looks a prefix up as the words it begins, or leaves it to FTS5 when
    # they are too many ("søkn": søknaden, søknader): both must find the same.
    monkeypatch.setattr(search, "MAX_EXPANSION", expansion)
    applied = make_inquiry(subject="Byggesak", text="Jeg sendte søknaden om garasje i mai. "
                                                    "Søknader om bod kommer.")
    snow = make_inquiry(subject="Brøyting i Kirkeveien", text="Veien er ikke brøytet.")
    agent = people["agent"]
    assert found(agent, "søknaden") == [applied.reference]
    assert found(agent, "søkn") == [applied.reference]  # a prefix
    assert found(agent, "SØKNADEN") == [applied.reference]  # case folded, æøå too
    assert found(agent, "kirkeveien") == [snow.reference]  # the subject
    assert found(agent, "veien brøytet") == [snow.reference]  # words ANDed, any order
    assert found(agent, "veien garasje") == []
    assert found(agent, "sok") == []  # ø is its own letter, not an o
    assert found(agent, "ik") == []  # short words match whole, not as a prefix of "ikke"
    assert found(agent, "i") == [snow.reference, applied.reference]


def test_words_are_cut_the_same_way_on_both_databases(people, make_inquiry):
    inquiry = make_inquiry(text="Svar på e-post til kari.nord@example.no om sak 2025-000042.")
    agent = people["agent"]
    for text in ("e-post", "post", "kari.nord@example", "example", "2025-000042", "000042"):
        assert found(agent, text) == [inquiry.reference], text


# What was typed, and whether it finds "Hei, søppelet ble ikke tømt i dag." All words
# must be in the message; everything else is punctuation.
@pytest.mark.parametrize(("text", "finds"), [
    ('"', False), ("'", False), ('"søppel', True), ('"søppel"', True), ("søppel*", True),
    ("*", False), ("søppel:*", True), ("^søppel", True), ("(søppel", True), ("søppel)", True),
    ("-søppel", True), ("søppel -", True), ("søppel & !tømt | i", True), ("søppel OR", False),
    ("NOT søppel", False), ("NEAR(søppel tømt)", False), ("subject:søppel", False),
    ("\\", False), ("%", False), ("_", False), ("'; DROP TABLE messages; --", False),
    ("!!!", False), ("søppel\0", True), ("ø" * 500, False), (" ".join(["søppel"] * 50), True),
])
def test_punctuation_and_operators_are_plain_text(people, make_inquiry, text, finds):
    inquiry = make_inquiry()
    assert found(people["agent"], text) == ([inquiry.reference] if finds else [])


def test_operator_words_are_words(people, make_inquiry):
    inquiry = make_inquiry(text="Kan jeg søke NOT AND OR om fritak?")
    assert found(people["agent"], "NOT fritak") == [inquiry.reference]
    assert found(people["agent"], "fritak NOT") == [inquiry.reference]


def test_a_reference_finds_its_inquiry(people, make_inquiry):
    inquiry = make_inquiry()
    make_inquiry(text=f"Jeg viser til sak {inquiry.reference}")  # mentions it
    assert found(people["agent"], f" {inquiry.reference} ") == [inquiry.reference]


def test_contacts_by_name_address_and_phone(people, make_inquiry):
    per = make_inquiry(sender_address="Per.Hansen@Example.no", sender_name="Per Hansen",
                       text="noe")
    caller = make_inquiry(channel="phone", external_id="phone:1", sender_address="987 65 432",
                          sender_name="Åse Ødegård", text="ringte")
    agent = people["agent"]
    assert found(agent, "hansen") == [per.reference]
    assert found(agent, "hans") == [per.reference]
    assert found(agent, "per hansen") == [per.reference]
    assert found(agent, "PER.HANSEN@EXAMPLE") == [per.reference]
    assert found(agent, "ødegård") == [caller.reference]
    assert found(agent, "987 65") == [caller.reference]
    assert found(agent, "+47 987 65 432") == [caller.reference]
    assert found(agent, "example.com") == []


def test_newest_first_and_limited(people, make_inquiry, recent):
    now = utcnow()
    old, middle, new = (make_inquiry(text="Strømbrudd i gata", received_at=now - timedelta(days=d))
                        for d in (3, 2, 1))
    assert found(people["agent"], "strømbrudd") == [new.reference, middle.reference, old.reference]
    assert found(people["agent"], "strømbrudd", limit=2) == [new.reference, middle.reference]


def test_many_matching_messages_in_one_inquiry_do_not_hide_the_others(people, make_inquiry, recent):
    older = make_inquiry(text="Parkering ved skolen", received_at=utcnow() - timedelta(days=1))
    busy = make_inquiry(text="Parkering igjen")
    for n in range(6):
        workflow.add_note(people["agent"], busy.id, f"Parkering, notat {n}")
    assert found(people["agent"], "parkering", limit=2) == [busy.reference, older.reference]


def test_a_unit_leader_finds_only_the_units_inquiries(people, make_inquiry, recent):
    agent, leader = people["agent"], people["leader"]
    own = make_inquiry(sender_name="Kari Vik", text="Byggesøknad for bod")
    front = make_inquiry(sender_name="Kari Vik", sender_address="kari@example.no",
                         text="Byggesøknad for bod")
    elsewhere = make_inquiry(sender_name="Kari Vik", text="Byggesøknad for bod")
    workflow.route_to_unit(agent, own.id, unit_id("byggesak"))
    workflow.route_to_unit(agent, elsewhere.id, unit_id("skole"))
    assert set(found(agent, "byggesøknad")) == {own.reference, front.reference,
                                                elsewhere.reference}
    for text in ("byggesøknad", "bygg", "kari vik", "kari@example"):
        assert found(leader, text) == ([own.reference] if text != "kari@example" else []), text
    assert found(leader, front.reference) == []
    assert found(leader, elsewhere.reference) == []
    assert found(people["other"], "byggesøknad") == [elsewhere.reference]


def test_messages_written_later_are_found_and_changes_follow(people, make_inquiry):
    inquiry = make_inquiry(text="første melding")
    agent = people["agent"]
    note = workflow.add_note(agent, inquiry.id, "Ringte tilbake om vannlekkasje")  # the ORM
    workflow.reply(agent, inquiry.id, "Rørleggeren kommer i morgen")
    assert found(agent, "vannlekkasje") == [inquiry.reference]
    assert found(agent, "rørleggeren") == [inquiry.reference]
    db.session.execute(update(Message).where(Message.id == note.id).values(text="anonymisert"))
    db.session.commit()
    assert found(agent, "vannlekkasje") == []
    assert found(agent, "anonymisert") == [inquiry.reference]
    db.session.execute(delete(Message).where(Message.id == note.id))
    db.session.commit()
    assert found(agent, "anonymisert") == []


def test_automatic_messages_are_not_indexed(people, make_inquiry):
    # The receipt (signed by the organisation, with the reference) would otherwise
    # make every inquiry match its words.
    inquiry = make_inquiry(text="Hullet i veien er tilbake")
    receipt = db.session.scalar(select(Message).where(
        Message.inquiry_id == inquiry.id, Message.automatic.is_(True)))
    assert receipt is not None and "Innbyggerservice" in receipt.text
    agent = people["agent"]
    assert found(agent, "innbyggerservice") == []
    assert found(agent, "hullet") == [inquiry.reference]
    # Removing a row the index never held leaves the index whole.
    db.session.execute(delete(OutboxItem).where(OutboxItem.message_id == receipt.id))
    db.session.execute(delete(Message).where(Message.id == receipt.id))
    db.session.commit()
    assert found(agent, "hullet veien") == [inquiry.reference]


def test_a_merged_inquiry_is_found_through_the_messages_it_took_over(people, make_inquiry):
    agent = people["agent"]
    target = make_inquiry(text="Hovedsaken")
    source = make_inquiry(text="Gatelys som blinker")
    workflow.merge(agent, source.id, target.reference)
    assert found(agent, "gatelys") == [target.reference]


def test_the_migration_indexes_existing_messages_and_downgrade_removes_the_index(
        people, make_inquiry):
    inquiry = make_inquiry(text="Fotballbanen er stengt")
    db.session.commit()
    try:
        downgrade(revision="0004")
        assert "messages_fts" not in inspect(db.engine).get_table_names()
        assert "search_vector" not in {c["name"] for c in inspect(db.engine).get_columns(
            "messages")}
    finally:
        upgrade()
    assert found(people["agent"], "fotballbanen") == [inquiry.reference]


def test_the_search_page(client, auth, people, make_inquiry):
    inquiry = make_inquiry(text="Hei, det lukter gass i oppgangen")
    auth.login("agent")
    page = client.get("/search?q=gass+oppgang").get_data(as_text=True)
    assert f">{inquiry.reference}</a>" in page
    assert client.get('/search?q="gass" OR (').status_code == 200
