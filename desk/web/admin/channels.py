"""Channels: health as the workers report it, and switching them on and off."""

from flask import render_template
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from desk import quarantine
from desk.admin import channels as service
from desk.channel_setup import store as setups
from desk.web.admin.common import admin_only, bp, done, invalid
from desk.web.admin.forms import ButtonForm


@bp.get("/channels")
@admin_only
def channels() -> str:
    return render_template("admin/channels.html", channels=service.channels_with_health(),
                           kept=quarantine.counts_by_channel(), button_form=ButtonForm(),
                           stored={s.name for s in setups.all_setups()},
                           in_file=setups.file_names())


@bp.post("/channels/<int:channel_id>/enable", defaults={"enabled": True})
@bp.post("/channels/<int:channel_id>/disable", defaults={"enabled": False})
@admin_only
def set_channel_enabled(channel_id: int, enabled: bool) -> Response:
    if not ButtonForm().validate_on_submit():
        return invalid("admin.channels")
    service.set_channel_enabled(current_user, channel_id, enabled)
    message = gettext("Channel enabled.") if enabled else gettext("Channel disabled.")
    return done("admin.channels", message)
