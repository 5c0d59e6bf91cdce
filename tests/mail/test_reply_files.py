"""An agent's reply with files reaches the citizen's mailbox with the files attached."""

import io

from flask import Flask
from imapclient import IMAPClient
from sqlalchemy import select

from connectors.base import Attachment
from desk.extensions import db
from desk.models import Inquiry, MessageAttachment
from desk.outbox import dispatch_due
from tests.conftest import csrf_token
from tests.mail.conftest import citizen_mail, fetch
from tests.mailservers import SmtpServer


def test_files_uploaded_with_a_reply_are_sent_over_smtp(
    app: Flask, client, auth, mailbox: IMAPClient, smtp_server: SmtpServer, make_user
) -> None:
    mailbox.append("INBOX", citizen_mail(subject="Skjema for byggesøknad"))
    fetch()
    inquiry = db.session.scalar(select(Inquiry))
    make_user("kari")
    auth.login("kari")
    page = client.get(f"/inquiries/{inquiry.id}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page

    response = client.post(f"/inquiries/{inquiry.id}/reply", data={
        "text": "Hei! Skjemaet ligger vedlagt.", "then": "waiting",
        "csrf_token": csrf_token(page),
        "files": [(io.BytesIO(b"%PDF-1.4 skjema"), "Søknadsskjema.pdf"),
                  (io.BytesIO(b""), "")],
    }, content_type="multipart/form-data")
    assert response.status_code == 302

    stored = db.session.scalars(select(MessageAttachment)).all()
    assert [(a.filename, a.size) for a in stored] == [("Søknadsskjema.pdf", 15)]
    dispatch_due("test-worker")
    mail = next(m.message for m in smtp_server.messages if m.message["Auto-Submitted"] is None)
    (part,) = list(mail.iter_attachments())
    assert part.get_filename() == "Søknadsskjema.pdf"
    assert part.get_content() == b"%PDF-1.4 skjema"
    assert "Skjemaet ligger vedlagt." in mail.get_body(("plain",)).get_content()


def test_a_phone_inquiry_takes_no_files(app: Flask, make_user, make_inquiry) -> None:
    import pytest

    from desk.errors import ServiceError
    from desk.workflow import reply

    agent = make_user("kari")
    inquiry = make_inquiry(channel="phone", sender_address="+4791234567", subject="Telefon")
    with pytest.raises(ServiceError, match="phone or walk-in"):
        reply(agent, inquiry.id, "Svar", attachments=(Attachment("a.pdf", "application/pdf",
                                                                  b"x"),))


def test_upload_names_lose_paths_and_control_characters() -> None:
    from desk.web.uploads import _plain_name

    assert _plain_name("C:\\Users\\kari\\Søknad.pdf") == "Søknad.pdf"
    assert _plain_name("../../etc/passwd") == "passwd"
    assert _plain_name("a\x00b\nc.txt") == "abc.txt"
    assert _plain_name("") == "vedlegg"
