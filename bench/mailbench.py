"""What the e-mail benchmarks share: a seeded corpus of citizen mails and a migrated desk."""

import random
import sys
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desk import create_app
from desk.config import load_config

SUBJECTS = ("Søppeltømming i Storgata", "Byggesøknad for garasje på Øvre Ærøy",
            "Barnehageplass til høsten", "Hull i veien ved skolen", "Eiendomsskatt, klage",
            "Skoleskyss for eldstemann", "Trygghetsalarm til far", "Parkeringstillatelse",
            "Støy fra byggeplass på Sørbø", "Kommunale avgifter på hytta")
NAMES = ("Kari Nordmann", "Ola Åsheim", "Ærlend Søreide", "Øydis Bråten", "Per Hansen")
BODY = ("Hei!\n\nJeg skriver angående {topic}. Vi bor i {street} {n} og har ventet en stund "
        "på svar. Kan dere si noe om når saken blir behandlet? Det er viktig for oss å få "
        "vite dette før fristen går ut.\n\nMed vennlig hilsen\n{name}\n")
STREETS = ("Storgata", "Kirkevegen", "Fjordgløttveien", "Bjørkelia", "Sjøgata")


def corpus(count: int, seed: int = 11) -> list[bytes]:
    """Realistic citizen mails: RFC 2047 subjects with æøå, UTF-8 and ISO-8859-1 bodies,
    a third multipart/alternative, a fifth with an attachment, three in ten replies."""
    rng = random.Random(seed)
    mails: list[bytes] = []
    sent: list[tuple[str, str, str]] = []  # (message-id, subject, sender) to reply to
    for i in range(count):
        mail = EmailMessage()
        if sent and rng.random() < 0.3:
            parent_id, parent_subject, sender = rng.choice(sent)
            name, subject = sender.split("|")[0], f"Sv: {parent_subject}"
            mail["In-Reply-To"] = parent_id
            mail["References"] = parent_id
        else:
            name, subject = rng.choice(NAMES), rng.choice(SUBJECTS)
        address = f"innbygger{rng.randrange(count // 3 + 1)}@example.no"
        message_id = make_msgid(idstring=str(i), domain="example.no")
        mail["From"] = f"{name} <{address}>"
        mail["To"] = "postmottak@kommune.example"
        mail["Subject"] = subject
        mail["Date"] = format_datetime(datetime.now(UTC))
        mail["Message-ID"] = message_id
        body = BODY.format(topic=subject.lower(), street=rng.choice(STREETS),
                           n=rng.randrange(1, 120), name=name)
        mail.set_content(body, charset=rng.choice(("utf-8", "iso-8859-1")))
        if rng.random() < 0.33:
            paragraphs = "".join(f"<p>{p}</p>" for p in body.split("\n\n"))
            mail.add_alternative(f"<html><body>{paragraphs}</body></html>", subtype="html")
        if rng.random() < 0.2:
            size = rng.randrange(5_000, 150_000)
            mail.add_attachment(rng.randbytes(size), maintype="application", subtype="pdf",
                                filename=f"vedlegg-{i}-søknad.pdf")
        sent.append((message_id, subject.removeprefix("Sv: "), f"{name}|{address}"))
        mails.append(mail.as_bytes(policy=SMTP))
    return mails


def make_app(url: str, instance: Path, channel: dict[str, Any] | list[dict[str, Any]]) -> Flask:
    """A desk on a freshly migrated database with one e-mail channel, or the channels
    given (PostgreSQL's public schema is dropped first: give it a scratch database)."""
    from flask_migrate import upgrade

    from desk.channels import sync_channels

    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    config = load_config(env={}, overrides={
        "database": {"url": url}, "instance_path": str(instance), "secret_key": "bench",
        "message_id_domain": "desk.bench",
        "channels": channel if isinstance(channel, list) else [channel],
        "receipts": {"max_per_contact_per_hour": 1000},
    })
    app = create_app(config)
    with app.app_context():
        upgrade()
        sync_channels()
    return app
