"""The quick form for an inquiry taken by phone or at the counter."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from desk import phone, queries
from desk.auth import roles_required
from desk.web.choices import choices
from desk.web.phone.forms import RegistrationForm

bp = Blueprint("phone", __name__, url_prefix="/phone")
registrars = roles_required(*phone.REGISTRARS)


@bp.route("/new", methods=["GET", "POST"])
@registrars
def register() -> str | Response:
    form = RegistrationForm()
    form.unit.choices = choices([(0, "—")] + [(u.id, u.name) for u in queries.active_units()])
    if form.validate_on_submit():
        inquiry_id = phone.register(current_user, phone.Registration(
            channel=form.channel.data or "phone",
            topic=form.topic.data or "",
            said=form.said.data or "",
            name=form.name.data or "",
            phone=form.phone.data or "",
            email=form.email.data or "",
            outcome=phone.Outcome(form.outcome.data),
            answer=form.answer.data or "",
            unit_id=form.unit.data or None,
            comment=form.comment.data or "",
        ))
        flash(gettext("The inquiry is registered."), "success")
        return redirect(url_for("inquiries.detail", inquiry_id=inquiry_id))
    if form.is_submitted():
        flash(gettext("Please fill in the form correctly."), "error")
    return render_template("phone/register.html", form=form)
