"""Switching channels on and off; their health is written by the workers."""

from flask import current_app
from sqlalchemy import select

from desk.admin.log import admin_change, record
from desk.admin.rows import get_or_fail
from desk.channel_setup import running
from desk.channel_setup import store as setup_store
from desk.channels import ChannelHealth, channel_health, configured_channels
from desk.config import current_config
from desk.errors import N_, ServiceError
from desk.extensions import db
from desk.models import Channel, User


def set_channel_enabled(actor: User, channel_id: int, enabled: bool) -> None:
    """Flip Channel.enabled; the workers and the reply form read it."""
    stored = False
    with admin_change(actor) as session:
        channel = get_or_fail(session, Channel, channel_id)
        configured = {c.name for c in configured_channels(current_config())}
        if enabled and channel.name not in configured:
            raise ServiceError(N_("This channel is no longer in the configuration file."))
        if channel.enabled != enabled:
            channel.enabled = enabled
            # A channel set up on the page runs as its set-up says: switch that too.
            stored = setup_store.set_enabled(session, channel.name, enabled)
            record(session, actor, "channel.enabled" if enabled else "channel.disabled",
                   channel, name=channel.name)
    if stored:
        running.forget(current_app)


def all_channels() -> list[Channel]:
    return list(db.session.scalars(select(Channel).order_by(Channel.display_name)))


def channels_with_health() -> list[ChannelHealth]:
    """Every channel with its health, by display name."""
    return channel_health(db.session)
