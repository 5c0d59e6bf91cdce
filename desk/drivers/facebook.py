"""Facebook: Messenger conversations and public comments on the municipality's Page,
taken in by a webhook (`/hooks/facebook/<channel>`) and answered through the Graph API."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from connectors.base import InboundMessage, Sender, SendError
from connectors.facebook.graph import DEFAULT_GRAPH_URL, DEFAULT_GRAPH_VERSION, GraphError
from desk.config import ChannelConfig, DeskConfig
from desk.drivers.base import ChannelCheckError, Driver, Field
from desk.models import IdentityKind

if TYPE_CHECKING:
    from flask import Flask
    from sqlalchemy.orm import Session

    from desk.facebook.settings import FacebookSettings
    from desk.models import Channel, Inquiry


class FacebookDriver(Driver):
    kind = "facebook"
    identity = IdentityKind.FACEBOOK
    icon = "ƒ"
    fields = (
        Field("page_id", _l("Page id"), required=True,
              help=_l("The numeric id of the municipality's Facebook Page.")),
        Field("page_access_token", _l("Page access token"), kind="secret", required=True,
              help=_l("A long-lived Page access token with pages_messaging, "
                      "pages_manage_engagement and pages_read_user_content.")),
        Field("app_secret", _l("App secret"), kind="secret", required=True,
              help=_l("The Facebook app's secret: every webhook call is signed with it.")),
        Field("verify_token", _l("Webhook verify token"), kind="secret", required=True,
              help=_l("Any long random text; enter the same in the app's webhook settings.")),
        Field("graph_url", _l("Graph API address"), kind="url", default=DEFAULT_GRAPH_URL),
        Field("graph_version", _l("Graph API version"), default=DEFAULT_GRAPH_VERSION),
        Field("private_reply_text", _l("Private reply to a comment"),
              help=_l("The message that invites a commenter to Messenger; {reference} is "
                      "the case's reference. Empty: the desk's own text in the citizen's "
                      "language.")),
    )

    def settings(self, cfg: ChannelConfig, config: DeskConfig) -> FacebookSettings:
        from desk.facebook.settings import facebook_settings

        return facebook_settings(cfg, config)

    def sender(self, cfg: ChannelConfig, config: DeskConfig, instance: Path) -> Sender | None:
        from connectors.facebook.send import FacebookSender
        from desk.facebook.link import link_messenger

        return FacebookSender(self.settings(cfg, config).client, link_messenger)

    def check(self, cfg: ChannelConfig, config: DeskConfig, instance: Path) -> str:
        """`GET /me` with the Page token: the Page's name, or what Graph said."""
        client = self.settings(cfg, config).client()
        try:
            page = client.me()
        except (GraphError, SendError) as exc:
            raise ChannelCheckError(str(exc)) from exc
        finally:
            client.close()
        return gettext("Page %(name)s answered", name=page.get("name") or page.get("id"))

    def replay(self, raw: bytes, channel: str) -> InboundMessage:
        from desk.facebook.take_in import replay_event

        return replay_event(raw, channel)

    def reply_refused(self, session: Session, inquiry: Inquiry, channel: Channel) -> str | None:
        """Messenger's 24-hour window, and no ordinary answer to a public comment."""
        from desk.facebook.window import reply_refused

        return reply_refused(session, inquiry, channel)

    def init_app(self, app: Flask) -> None:
        from desk.facebook.web import init_app

        init_app(app)
