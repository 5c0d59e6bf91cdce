"""`desk import-mail`: .eml files, folders and mbox files through the same parser and
ingest as IMAP, with one JSON object per message; and CPython's e-mail corpus."""

from __future__ import annotations

import hashlib
import json
import mailbox
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from desk.cli import main
from desk.extensions import db
from desk.models import Inquiry, Message, OutboxItem, QuarantineItem
from tests.connectors.email.test_cpython_corpus import CORPUS
from tests.mail.conftest import citizen_mail


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    return {}  # no mail servers: import needs none


def run(app: Flask, *args: str) -> tuple[list[dict[str, Any]], str]:
    result = app.test_cli_runner().invoke(main, ["import-mail", "--json", *args])
    assert result.exit_code == 0, result.output + result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()], result.stderr


def with_attachment() -> bytes:
    mail = EmailMessage()
    mail["From"] = "Kari Nordmann <kari@example.no>"
    mail["To"] = "postmottak@kommune.example"
    mail["Subject"] = "Søknad om startlån – vedlegg"
    mail["Message-ID"] = "<vedlegg@example.no>"
    mail.set_content("Vedlagt er søknaden.")
    mail.add_attachment(b"%PDF-1.4 soknad", maintype="application", subtype="pdf",
                        filename="søknad æøå.pdf")
    return mail.as_bytes(policy=SMTP)


def test_eml_folder_and_mbox_with_json(app: Flask, tmp_path: Path) -> None:
    folder = tmp_path / "gammel-postkasse"
    (folder / "2024").mkdir(parents=True)
    (folder / "2024" / "a.eml").write_bytes(with_attachment())
    (folder / "2024" / "b.eml").write_bytes(b"Subject: uten avsender\r\n\r\ntekst\r\n")
    (folder / ".DS_Store").write_bytes(b"\0")
    box = mailbox.mbox(tmp_path / "arkiv.mbox")
    box.add(citizen_mail(subject="Fra mbox 1", message_id="<mbox1@example.no>"))
    box.add(citizen_mail(subject="Svar", message_id="<mbox2@example.no>",
                         In_Reply_To="<mbox1@example.no>"))
    box.close()
    single = tmp_path / "en.eml"
    single.write_bytes(citizen_mail(subject="Enkel fil"))

    records, summary = run(app, str(single), str(folder), str(tmp_path / "arkiv.mbox"))

    assert [(r["file"], r["index"], r["result"]) for r in records] == [
        (str(single), None, "created"),
        (str(folder / "2024" / "a.eml"), None, "created"),
        (str(folder / "2024" / "b.eml"), None, "quarantined"),
        (str(tmp_path / "arkiv.mbox"), 1, "created"),
        (str(tmp_path / "arkiv.mbox"), 2, "threaded"),
    ]
    attached = records[1]
    assert attached["subject"] == "Søknad om startlån – vedlegg"
    assert attached["sender_address"] == "kari@example.no"
    assert attached["text_length"] == len("Vedlagt er søknaden.")
    assert attached["attachments"] == [{"filename": "søknad æøå.pdf", "size": 15,
                                        "sha256": hashlib.sha256(b"%PDF-1.4 soknad").hexdigest()}]
    assert attached["reference"] == db.session.scalar(
        select(Inquiry.reference).join(Message).where(Message.external_id == "vedlegg@example.no"))
    assert records[2]["reason"] == "no From header" and records[2]["reference"] is None
    assert records[4]["reference"] == records[3]["reference"]
    assert "imported 5 messages: 3 created, 1 quarantined, 1 threaded" in summary
    assert db.session.scalar(select(func.count(OutboxItem.id))) == 0  # no receipts for old mail
    held = db.session.scalar(select(QuarantineItem))
    assert held.raw == b"Subject: uten avsender\r\n\r\ntekst\r\n"
    assert held.source_id == str(folder / "2024" / "b.eml")

    again, _ = run(app, str(single), str(folder))
    assert [r["result"] for r in again] == ["duplicate", "duplicate", "quarantined"]
    assert db.session.scalar(select(func.count(QuarantineItem.id))) == 1  # held once


def test_import_into_a_named_channel_and_unknown_channels_fail(app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "a.eml"
    path.write_bytes(citizen_mail())
    records, _ = run(app, "--channel", "post", str(path))
    message = db.session.scalar(select(Message).where(Message.direction == "inbound"))
    assert records[0]["result"] == "created" and message.channel.name == "post"

    runner = app.test_cli_runner()
    result = runner.invoke(main, ["import-mail", "--channel", "nope", str(path)])
    assert result.exit_code == 1 and "no channel named 'nope'" in result.stderr
    result = runner.invoke(main, ["import-mail", "--channel", "telegram", str(path)])
    assert result.exit_code == 1 and "e-mail channel" in result.stderr


def test_quarantine_commands(app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "bad.eml"
    path.write_bytes(b"Subject: uten avsender\r\n\r\ntekst\r\n")
    run(app, str(path))
    item_id = db.session.scalar(select(QuarantineItem.id))
    runner = app.test_cli_runner()

    listed = runner.invoke(main, ["quarantine", "list"])
    assert f"{item_id}" in listed.stdout and "import" in listed.stdout
    assert "no From header" in listed.stdout
    replayed = runner.invoke(main, ["quarantine", "replay", str(item_id)])
    assert replayed.exit_code == 1 and "still cannot be taken in" in replayed.stderr
    assert runner.invoke(main, ["quarantine", "discard", str(item_id)]).exit_code == 0
    assert runner.invoke(main, ["quarantine", "list"]).stdout == ""
    gone = runner.invoke(main, ["quarantine", "discard", str(item_id)])
    assert gone.exit_code == 1 and "already replayed or discarded" in gone.stderr


@pytest.mark.skipif(not CORPUS, reason="this Python has no Lib/test/test_email/data")
def test_cpython_corpus_becomes_inquiries_or_quarantine_records(app: Flask) -> None:
    records, _ = run(app, *(str(p) for p in CORPUS))

    assert {r["file"] for r in records} == {str(p) for p in CORPUS}
    by_result: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        by_result.setdefault(record["result"], []).append(record)
    assert set(by_result) <= {"created", "threaded", "duplicate", "quarantined", "dropped"}, \
        set(by_result)
    assert all(r["reference"] for r in records if r["result"] in ("created", "threaded"))
    quarantined = by_result.get("quarantined", [])
    assert all(r["reason"] for r in quarantined)
    # Kept whole: what could not be read (held), and what a guard declined (dropped:
    # the corpus has copies of one mail with other bytes).
    declined = [r for r in records if r["result"] == "dropped"
                or (r["result"] == "duplicate" and r["quarantine_id"])]
    assert all(r["reason"] and r["quarantine_id"] for r in declined)
    held = select(func.count(QuarantineItem.id)).where(QuarantineItem.state == "held")
    dropped = select(func.count(QuarantineItem.id)).where(QuarantineItem.state == "dropped")
    assert db.session.scalar(held) == len(quarantined)
    assert db.session.scalar(dropped) == len(declined)
    stored = db.session.scalar(select(func.count(Message.id)))
    assert stored == len(by_result.get("created", [])) + len(by_result.get("threaded", []))
