"""Chat sessions: started with a random token, found again by its hash alone."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from connectors.webchat import Start
from desk.channels import channel_by_name
from desk.config import current_config
from desk.database import insert_row, transaction
from desk.drivers import driver_for
from desk.errors import UnknownChannel
from desk.extensions import db
from desk.models import Channel, ChatSession, utcnow
from desk.webchat.settings import ChatSettings


class ChatRefused(Exception):
    """The request is refused: `status` is the HTTP answer (401, 403, 404, 429)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class ChatIdentity:
    """What a request knows of its session once the token checked out."""

    id: int
    public_id: str
    name: str
    email: str | None
    language: str
    ended: bool


def settings_for(channel: str) -> ChatSettings:
    """The settings of the web chat channel `channel`; 404 for any other name."""
    from desk.drivers.webchat import WebchatDriver

    config = current_config()
    cfg = config.channel(channel)
    driver = driver_for(cfg.kind) if cfg is not None else None
    if cfg is None or not cfg.enabled or not isinstance(driver, WebchatDriver):
        raise ChatRefused("no such chat", 404)
    return driver.settings(cfg, config)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def ip_hash(address: str) -> str:
    """A keyed hash of the address: enough to count starts per address, not to read it back."""
    key = current_config().secret_key.encode() or b"desk"
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()


def start(settings: ChatSettings, wanted: Start, address: str,
          now: datetime | None = None) -> tuple[str, ChatIdentity]:
    """A new session; the token (shown once, to the citizen) and the session.

    The token is 256 random bits; only its sha256 is stored, so the table
    leaks no live session. Too many starts from one address in an hour: 429.
    """
    now = now or utcnow()
    hashed_ip = ip_hash(address)
    with transaction() as session:
        try:
            channel = channel_by_name(settings.channel)
        except UnknownChannel:
            raise ChatRefused("no such chat", 404) from None
        started = session.scalar(select(func.count(ChatSession.id)).where(
            ChatSession.ip_hash == hashed_ip, ChatSession.created_at >= now - timedelta(hours=1)))
        if (started or 0) >= settings.starts_per_ip_per_hour:
            raise ChatRefused("too many chats started from this address; try again later", 429)
        token = secrets.token_urlsafe(32)
        public_id = secrets.token_hex(16)
        session_id = insert_row(session, ChatSession, channel_id=channel.id, public_id=public_id,
                                token_hash=token_hash(token), name=wanted.name,
                                email=wanted.email, language=wanted.language, ip_hash=hashed_ip,
                                created_at=now, active_at=now, seq=0)
    return token, ChatIdentity(session_id, public_id, wanted.name, wanted.email,
                               wanted.language, ended=False)


def authenticate(settings: ChatSettings, token: str | None,
                 now: datetime | None = None) -> ChatIdentity:
    """The session of `token` on this channel; 401 for an unknown or expired one."""
    now = now or utcnow()
    if not token or len(token) > 200:
        raise ChatRefused("the chat session is missing or has expired; start a new chat", 401)
    row = db.session.execute(
        select(ChatSession.id, ChatSession.public_id, ChatSession.name, ChatSession.email,
               ChatSession.language, ChatSession.ended_at, ChatSession.active_at)
        .join(Channel, Channel.id == ChatSession.channel_id)
        .where(ChatSession.token_hash == token_hash(token), Channel.name == settings.channel)
    ).first()
    db.session.rollback()  # a read: hold no transaction (a long poll follows)
    if row is None or row.active_at < now - timedelta(hours=settings.session_hours):
        raise ChatRefused("the chat session is missing or has expired; start a new chat", 401)
    return ChatIdentity(row.id, row.public_id, row.name, row.email, row.language,
                        ended=row.ended_at is not None)
