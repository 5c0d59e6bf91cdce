"""Units and their members."""

from flask import render_template
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from desk.admin import units as service
from desk.admin.users import all_users
from desk.extensions import db
from desk.models import Unit
from desk.web.admin.common import admin_only, bp, done, invalid
from desk.web.admin.forms import ButtonForm, MemberForm, UnitForm
from desk.web.choices import choices


@bp.get("/units")
@admin_only
def units() -> str:
    return render_template("admin/units.html", units=service.all_units(), form=UnitForm())


@bp.post("/units")
@admin_only
def create_unit() -> Response:
    form = UnitForm()
    if not form.validate_on_submit():
        return invalid("admin.units", form)
    unit = service.create_unit(current_user, form.name.data or "", form.email.data)
    return done("admin.unit", gettext("Unit created."), unit_id=unit.id)


def _member_form(unit: Unit) -> MemberForm:
    form = MemberForm()
    form.user.choices = choices((u.id, f"{u.display_name} ({u.username})")
                                for u in all_users() if u.active and u not in unit.members)
    return form


@bp.get("/units/<int:unit_id>")
@admin_only
def unit(unit_id: int) -> str:
    unit = db.get_or_404(Unit, unit_id)
    return render_template("admin/unit.html", unit=unit, form=UnitForm(obj=unit),
                           member_form=_member_form(unit), button_form=ButtonForm())


@bp.post("/units/<int:unit_id>")
@admin_only
def update_unit(unit_id: int) -> Response:
    form = UnitForm()
    if not form.validate_on_submit():
        return invalid("admin.unit", form, unit_id=unit_id)
    service.update_unit(current_user, unit_id, form.name.data or "", form.email.data)
    return done("admin.unit", gettext("Saved."), unit_id=unit_id)


@bp.post("/units/<int:unit_id>/activate", defaults={"active": True})
@bp.post("/units/<int:unit_id>/deactivate", defaults={"active": False})
@admin_only
def set_unit_active(unit_id: int, active: bool) -> Response:
    if not ButtonForm().validate_on_submit():
        return invalid("admin.unit", unit_id=unit_id)
    service.set_unit_active(current_user, unit_id, active)
    return done("admin.unit", gettext("Saved."), unit_id=unit_id)


@bp.post("/units/<int:unit_id>/members")
@admin_only
def add_member(unit_id: int) -> Response:
    form = _member_form(db.get_or_404(Unit, unit_id))
    if not form.validate_on_submit():
        return invalid("admin.unit", form, unit_id=unit_id)
    service.add_member(current_user, unit_id, form.user.data)
    return done("admin.unit", gettext("Member added."), unit_id=unit_id)


@bp.post("/units/<int:unit_id>/members/<int:user_id>/remove")
@admin_only
def remove_member(unit_id: int, user_id: int) -> Response:
    if not ButtonForm().validate_on_submit():
        return invalid("admin.unit", unit_id=unit_id)
    service.remove_member(current_user, unit_id, user_id)
    return done("admin.unit", gettext("Member removed."), unit_id=unit_id)
