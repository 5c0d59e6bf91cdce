"""Setting up a channel on the admin page in Chromium: every state of the form is
checked by axe, and a form sent back with errors puts the focus on its summary."""

from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from desk.extensions import db
from desk.models import ChannelSetup, Role


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    return {"security": {"channel_secrets_key": [Fernet.generate_key().decode()]}}


def test_admin_sets_up_a_mailbox_with_an_accessible_form(sign_in, live_server, axe) -> None:
    page = sign_in("admin", Role.ADMIN)
    page.goto(live_server.url("/admin/channels"))
    page.click("a[href='/admin/channels/new']")
    axe(page)
    page.click("a[href$='kind=email']")
    page.wait_for_selector("#opt_imap_host")
    axe(page)

    # Sent without the servers: each required field says so, the focus is on the summary.
    page.fill("#name", "byen")
    page.fill("#opt_address", "byen@kommune.example")
    page.click("button[value=save]")
    page.wait_for_selector("#error-summary")
    page.wait_for_load_state("load")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    for field in ("#opt_imap_host", "#opt_smtp_host"):
        assert page.get_attribute(field, "aria-invalid") == "true"
    axe(page)

    # A port that is not a number: the driver's own words, next to the field.
    page.fill("#opt_imap_host", "127.0.0.1")
    page.fill("#opt_smtp_host", "127.0.0.1")
    page.fill("#opt_imap_port", "mange")
    page.fill("#opt_password", "hemmelig-passord")
    page.click("button[value=save]")
    page.wait_for_selector("#error-summary")
    page.wait_for_load_state("load")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert page.get_attribute("#opt_imap_port", "aria-invalid") == "true"
    assert "opt_imap_port-error" in page.get_attribute("#opt_imap_port", "aria-describedby")
    assert page.input_value("#opt_password") == ""  # a secret is never sent back
    axe(page)

    page.fill("#opt_imap_port", "993")
    page.fill("#opt_password", "hemmelig-passord")
    page.click("button[value=save]")
    page.wait_for_url("**/admin/channels/setup/byen")
    assert "hemmelig-passord" not in page.content()
    axe(page)
    db.session.rollback()
    assert db.session.scalar(select(ChannelSetup.name)) == "byen"


def test_a_file_channel_page_is_read_only(sign_in, live_server, axe) -> None:
    page = sign_in("admin", Role.ADMIN)
    page.goto(live_server.url("/admin/channels/setup/post"))
    assert page.locator("form button[value=save]").count() == 0
    axe(page)
