"""The front desk's main flows in Chromium, each page checked by axe on the way."""

from sqlalchemy import select

from desk.extensions import db
from desk.models import Event, EventKind, Inquiry, Message, Role, Status, Unit


def test_agent_triages_and_answers_an_email_inquiry(sign_in, make_inquiry, axe) -> None:
    inquiry = make_inquiry(subject="Søppeltømming")
    page = sign_in("agent")
    axe(page)
    page.click(f"text={inquiry.reference}")
    page.wait_for_url(f"**/inquiries/{inquiry.id}")
    axe(page)
    page.keyboard.press("c")  # take it, by keyboard
    page.wait_for_selector("text=Du har tatt henvendelsen.")
    page.select_option("#priority", "high")
    page.click("fieldset button[type=submit]")
    page.wait_for_selector("text=Lagret.")
    # The message stands at the top of the page, before the script that binds the
    # keys has run: wait for the whole page, or "r" may come too early (a flake).
    page.wait_for_load_state("load")
    page.keyboard.press("r")
    assert page.evaluate("document.activeElement.id") == "reply-text"
    page.keyboard.type("Hei, vi tømmer i morgen.")
    page.select_option("#then", "resolved")
    page.click("text=Send svar")
    page.wait_for_selector("text=Svaret er på vei til innbyggeren.")
    axe(page)
    db.session.expire_all()
    done = db.session.get(Inquiry, inquiry.id)
    assert done.status is Status.RESOLVED and done.priority.value == "high"


def test_agent_routes_to_a_unit_and_the_leader_answers(page, sign_in_as, make_user,
                                                       make_inquiry, axe) -> None:
    agent = make_user("agent", Role.AGENT)
    leader = make_user("leader", Role.UNIT_LEADER, units=("byggesak",))
    inquiry = make_inquiry(subject="Byggesøknad")
    sign_in_as(agent)
    page.goto(f"/inquiries/{inquiry.id}")
    page.keyboard.press("o")
    assert page.evaluate("document.activeElement.id") == "route-unit"
    page.fill("#comment", "Gjelder byggesak")
    page.click("form[action$='/route'] button[type=submit]")
    page.wait_for_selector("text=Sendt til enheten.")
    page.click("text=Logg ut")

    sign_in_as(leader)
    assert page.locator(f"text={inquiry.reference}").count() == 1  # the unit queue
    axe(page)
    page.click(f"text={inquiry.reference}")
    page.click("text=Godta for enheten")
    page.fill("#reply-text", "Hei, søknaden er mottatt hos byggesak.")
    page.click("text=Send svar")
    page.wait_for_selector("text=Svaret er på vei til innbyggeren.")
    axe(page)
    db.session.expire_all()
    unit = db.session.scalar(select(Unit.id).where(Unit.slug == "byggesak"))
    kinds = db.session.scalars(select(Event.kind).where(Event.inquiry_id == inquiry.id)).all()
    assert EventKind.ACCEPTED in kinds and EventKind.REPLIED in kinds
    assert db.session.get(Inquiry, inquiry.id).unit_id == unit


def test_agent_registers_a_phone_inquiry_and_resolves_it(sign_in, axe) -> None:
    page = sign_in("agent")
    page.click("text=Registrer samtale eller besøk")
    axe(page)
    page.fill("#name", "Kari Nordmann")
    page.fill("#phone", "912 34 567")
    page.fill("#topic", "Eiendomsskatt")
    page.fill("#said", "Når kommer regningen?")
    page.fill("#answer", "Regningen kommer i mars.")
    page.click("main form button[type=submit]")
    page.wait_for_selector("text=Henvendelsen er registrert.")
    axe(page)
    db.session.expire_all()
    inquiry = db.session.scalar(select(Inquiry))
    assert inquiry.status is Status.RESOLVED and inquiry.channel.name == "phone"
    answer = db.session.scalar(select(Message).where(Message.author_id.is_not(None)))
    assert answer.text == "Regningen kommer i mars."


def test_new_inquiries_appear_without_a_reload(sign_in, make_inquiry, page) -> None:
    make_inquiry(subject="Første")
    page.clock.install()  # the queue polls every 15 s; the test moves the clock instead
    sign_in("agent")
    arrived = make_inquiry(sender_address="ny@example.no", subject="Kom nettopp")
    page.clock.run_for(16000)
    page.wait_for_selector(f"text={arrived.reference}")
    assert page.locator(".flashes").inner_text().strip().endswith("1 ny henvendelse")
