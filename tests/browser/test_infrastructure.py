"""The browser fixtures themselves: live server, sign-in per role, axe."""

import pytest

from desk.models import Role


def test_signed_in_agent_sees_the_queue(sign_in, live_server) -> None:
    page = sign_in("agent", Role.AGENT)
    assert page.url == live_server.url("/")
    assert page.locator("h1").first.is_visible()


def test_axe_reports_violations_readably(page, axe) -> None:
    page.set_content("<html><body><img src='x.png'><input type=text></body></html>")
    with pytest.raises(pytest.fail.Exception) as failed:
        axe(page)
    message = str(failed.value)
    assert "image-alt" in message and "html-has-lang" in message and "label" in message
