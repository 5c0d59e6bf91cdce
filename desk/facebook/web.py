"""The Page's webhook, `/hooks/facebook/<channel>`: Facebook's verification (GET) and
its deliveries (POST).

Facebook cannot send the desk's CSRF token or session, so these views are exempt
from both; a POST is trusted only when its `X-Hub-Signature-256` is the HMAC of
the raw body with the app secret, checked before anything is read from it.
"""

from __future__ import annotations

import hmac
import logging

from flask import Blueprint, Flask, Response, abort, request

from connectors.facebook.webhook import signature_ok
from desk.config import ConfigError
from desk.errors import UnknownChannel
from desk.extensions import csrf
from desk.facebook.settings import FacebookSettings, settings_of
from desk.facebook.take_in import take_in_delivery

log = logging.getLogger(__name__)
bp = Blueprint("facebook", __name__)
# Facebook's own limit for a delivery is far below this; a larger body is not Facebook.
MAX_BODY = 5 * 1024 * 1024


def _settings(channel: str) -> FacebookSettings:
    try:
        return settings_of(channel)
    except ConfigError as exc:
        log.warning("facebook webhook for %s: %s", channel, exc)
        abort(404)


@bp.get("/hooks/facebook/<channel>")
def verify(channel: str) -> Response:
    """Subscribing the webhook: echo `hub.challenge` when the verify token is ours."""
    settings = _settings(channel)
    token = request.args.get("hub.verify_token", "")
    if request.args.get("hub.mode") != "subscribe" or not hmac.compare_digest(
            token.encode(), settings.verify_token.encode()):
        return Response("verification failed", status=403, mimetype="text/plain")
    return Response(request.args.get("hub.challenge", ""), mimetype="text/plain")


@bp.post("/hooks/facebook/<channel>")
@csrf.exempt
def deliver(channel: str) -> Response:
    """200 once every event is committed (or held); 403 for a bad signature, with
    nothing stored; a database fault is a 500, and Facebook delivers again."""
    settings = _settings(channel)
    if (request.content_length or 0) > MAX_BODY:
        return Response("too large", status=413, mimetype="text/plain")
    body = request.get_data(cache=False)
    if not signature_ok(body, request.headers.get("X-Hub-Signature-256"), settings.app_secret):
        log.warning("facebook webhook for %s: bad or missing signature from %s", channel,
                    request.remote_addr)
        return Response("bad signature", status=403, mimetype="text/plain")
    try:
        delivery = take_in_delivery(settings, body)
    except UnknownChannel:
        abort(404)
    log.info("facebook %s: %s", channel, dict(delivery.outcomes))
    return Response("EVENT_RECEIVED", mimetype="text/plain")


def init_app(app: Flask) -> None:
    """Called by the Facebook driver; registers the webhook once, open to Facebook."""
    if "facebook" in app.blueprints:
        return
    from desk.auth import PUBLIC_ENDPOINTS

    app.register_blueprint(bp)
    PUBLIC_ENDPOINTS.update({"facebook.verify", "facebook.deliver"})
