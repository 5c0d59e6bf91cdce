"""Opening hours and SLA targets: tables of inputs, one form each, parsed here."""

from flask import render_template, request
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from desk.admin import schedule as service
from desk.admin.channels import all_channels
from desk.models import Priority
from desk.web.admin.common import admin_only, bp, done, invalid
from desk.web.admin.forms import ButtonForm


@bp.get("/opening-hours")
@admin_only
def opening_hours() -> str:
    return render_template("admin/opening_hours.html", days=service.opening_hours(),
                           button_form=ButtonForm())


@bp.post("/opening-hours")
@admin_only
def save_opening_hours() -> Response:
    if not ButtonForm().validate_on_submit():
        return invalid("admin.opening_hours")
    week = {day: None if request.form.get(f"default-{day}") else request.form.get(f"hours-{day}",
                                                                                   "")
            for day in range(7)}
    service.set_opening_hours(current_user, week)
    return done("admin.opening_hours", gettext("Opening hours saved."))


@bp.get("/sla")
@admin_only
def sla() -> str:
    return render_template("admin/sla.html", channels=all_channels(), priorities=list(Priority),
                           targets=service.sla_targets(), button_form=ButtonForm())


def _minutes(name: str) -> int | None:
    value = request.form.get(name, "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise ValueError(name)
    return int(value)


@bp.post("/sla/<int:channel_id>")
@admin_only
def save_sla(channel_id: int) -> Response:
    if not ButtonForm().validate_on_submit():
        return invalid("admin.sla")
    try:
        targets = {p: service.Targets(_minutes(f"first-{p.value}"),
                                      _minutes(f"resolution-{p.value}")) for p in Priority}
    except ValueError:
        return invalid("admin.sla")
    service.set_sla_targets(current_user, channel_id, targets)
    return done("admin.sla", gettext("SLA targets saved."))
