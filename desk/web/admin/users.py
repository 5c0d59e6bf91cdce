"""Users and roles. Password hashes are never rendered."""

from flask import render_template
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from desk.admin import users as service
from desk.admin.units import all_units
from desk.extensions import db
from desk.models import Role, User
from desk.web.admin.common import admin_only, bp, done, invalid
from desk.web.admin.forms import ButtonForm, NewUserForm, PasswordForm, RoleForm, UserForm
from desk.web.choices import choices


def _new_user_form() -> NewUserForm:
    form = NewUserForm()
    form.unit.choices = choices([("", "–"), *((u.slug, u.name) for u in all_units()
                                               if u.active)])
    return form


@bp.get("/users")
@admin_only
def users() -> str:
    return render_template("admin/users.html", users=service.all_users(),
                           form=_new_user_form())


@bp.post("/users")
@admin_only
def create_user() -> Response:
    form = _new_user_form()
    if not form.validate_on_submit():
        return invalid("admin.users", form)
    user = service.create_user(
        current_user, form.username.data or "", form.display_name.data or "", form.email.data,
        Role(form.role.data), form.password.data or "",
        (form.unit.data,) if form.unit.data else ())
    return done("admin.user", gettext("User created."), user_id=user.id)


@bp.get("/users/<int:user_id>")
@admin_only
def user(user_id: int) -> str:
    user = db.get_or_404(User, user_id)
    return render_template("admin/user.html", user=user, form=UserForm(obj=user),
                           role_form=RoleForm(role=user.role.value),
                           password_form=PasswordForm(), button_form=ButtonForm())


@bp.post("/users/<int:user_id>")
@admin_only
def update_user(user_id: int) -> Response:
    form = UserForm()
    if not form.validate_on_submit():
        return invalid("admin.user", form, user_id=user_id)
    service.update_user(current_user, user_id, form.display_name.data or "", form.email.data)
    return done("admin.user", gettext("Saved."), user_id=user_id)


@bp.post("/users/<int:user_id>/role")
@admin_only
def change_role(user_id: int) -> Response:
    form = RoleForm()
    if not form.validate_on_submit():
        return invalid("admin.user", form, user_id=user_id)
    service.change_role(current_user, user_id, Role(form.role.data))
    return done("admin.user", gettext("Role changed."), user_id=user_id)


@bp.post("/users/<int:user_id>/password")
@admin_only
def reset_password(user_id: int) -> Response:
    form = PasswordForm()
    if not form.validate_on_submit():
        return invalid("admin.user", form, user_id=user_id)
    service.reset_password(current_user, user_id, form.password.data or "")
    return done("admin.user", gettext("The password is changed. Tell the user in person."),
                user_id=user_id)


@bp.post("/users/<int:user_id>/activate", defaults={"active": True})
@bp.post("/users/<int:user_id>/deactivate", defaults={"active": False})
@admin_only
def set_user_active(user_id: int, active: bool) -> Response:
    if not ButtonForm().validate_on_submit():
        return invalid("admin.user", user_id=user_id)
    service.set_user_active(current_user, user_id, active)
    return done("admin.user", gettext("Saved."), user_id=user_id)
