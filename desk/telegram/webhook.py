"""Webhook mode: Telegram POSTs each update to /hooks/telegram/<channel>.

Exempt from CSRF (Telegram has no session) and open without sign-in, it is
verified instead by the secret token given to setWebhook, which Telegram sends
in X-Telegram-Bot-Api-Secret-Token: compared in constant time; wrong or
missing is 403 and nothing is stored. The 200 comes only after the update is
committed; any failure is 500, so Telegram delivers it again (a duplicate then).
"""

from __future__ import annotations

import hmac
import logging

from flask import Blueprint, Flask, abort, request

from desk.config import ConfigError, current_config
from desk.drivers.telegram import TelegramDriver
from desk.extensions import csrf, db
from desk.telegram.intake import take_in_update
from desk.telegram.polling import enabled_channel_id
from desk.telegram.settings import TelegramSettings, telegram_settings

log = logging.getLogger(__name__)
bp = Blueprint("telegram", __name__, url_prefix="/hooks/telegram")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's updates are small; files come by getFile, never in the body.
MAX_BODY = 1024 * 1024


def init_app(app: Flask) -> None:
    if "telegram" in app.blueprints:
        return
    from desk.auth import PUBLIC_ENDPOINTS

    csrf.exempt(bp)
    app.register_blueprint(bp)
    PUBLIC_ENDPOINTS.add("telegram.receive")


def _settings(name: str) -> TelegramSettings:
    """The settings of the webhook channel `name`; 404 for any other name."""
    config = current_config()
    cfg = config.channel(name)
    if cfg is None or cfg.kind != TelegramDriver.kind:
        abort(404)
    try:
        settings = telegram_settings(cfg, config)
    except ConfigError:
        log.exception("telegram webhook %s: the channel's settings are wrong", name)
        abort(404)
    if settings.mode != "webhook" or not settings.webhook_secret or not settings.token:
        abort(404)
    return settings


@bp.post("/<name>")
def receive(name: str) -> tuple[str, int]:
    settings = _settings(name)
    given = request.headers.get(SECRET_HEADER, "").encode()
    if not hmac.compare_digest(given, (settings.webhook_secret or "").encode()):
        abort(403)
    if (request.content_length or 0) > MAX_BODY:
        abort(413)
    channel_id = enabled_channel_id(name)
    if channel_id is None:
        abort(404)
    raw = request.get_data(cache=False)
    try:
        with settings.connect() as api:
            outcome = take_in_update(api, settings, channel_id, raw)
    except Exception:
        db.session.rollback()
        log.exception("telegram webhook %s: update not taken in; Telegram will retry", name)
        return "not taken in; try again", 500
    log.debug("telegram webhook %s: %s", name, outcome)
    return "", 200
