"""The admin's forms; every one carries a CSRF token (FlaskForm)."""

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp

from desk.drivers import Field
from desk.users import MIN_PASSWORD_LENGTH
from desk.web.choices import choices
from desk.web.labels import ROLES


class ButtonForm(FlaskForm):
    """A button that changes one thing: only the CSRF token."""


def _email() -> EmailField:
    # A shape check only: the outbox reports an address that bounces.
    return EmailField(_l("E-mail"), validators=[
        Optional(), Length(max=255),
        Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Not an e-mail address."))])


class UnitForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    email = _email()


class MemberForm(FlaskForm):
    user = SelectField(_l("Person"), coerce=int, validators=[DataRequired()])


def _password(label: str) -> PasswordField:
    return PasswordField(label, validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH,
                                                                   max=200)],
                         render_kw={"autocomplete": "new-password"})


def _role() -> SelectField:
    return SelectField(_l("Role"), choices=choices(ROLES.items()))


class NewUserForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=80)],
                           render_kw={"autocomplete": "off"})
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    email = _email()
    role = _role()
    unit = SelectField(_l("Unit (for unit leaders and case officers)"))
    password = _password(_l("First password"))


class UserForm(FlaskForm):
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    email = _email()


class RoleForm(FlaskForm):
    role = _role()


class PasswordForm(FlaskForm):
    password = _password(_l("New password"))


class CategoryForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])


class StandardReplyForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    body_nb = TextAreaField(_l("Text in bokmål"), validators=[DataRequired(),
                                                             Length(max=20000)])
    body_nn = TextAreaField(_l("Text in nynorsk"), validators=[Length(max=20000)])
    body_en = TextAreaField(_l("Text in English"), validators=[Length(max=20000)])
    category = SelectField(_l("Category"), coerce=int)
    active = BooleanField(_l("In use"), default=True)
    public = BooleanField(_l("Suitable for public use (an answer under a public comment on "
                             "social media: short, generic, nothing about the case)"))


# The input each kind of driver `Field` is asked with (desk.drivers.base.Field.kind).
def _setup_input(field: Field) -> Any:
    label, kw = field.label, {"render_kw": {}}
    if field.kind == "secret":
        # Never filled in again: a blank one keeps the stored value.
        kw["render_kw"] = {"autocomplete": "new-password"}
        return PasswordField(label, **kw)
    if field.kind == "flag":
        return BooleanField(label, default=bool(field.default))
    if field.kind == "choice":
        return SelectField(label, choices=choices((c, c) for c in field.choices),
                           default=field.default)
    if field.kind == "origins":
        return TextAreaField(label, render_kw={"rows": 3})
    if field.kind == "integer":
        # Checked by the driver's own reader, so its message is the file's message.
        return StringField(label, render_kw={"inputmode": "numeric"})
    if field.kind == "url":
        return URLField(label)
    return StringField(label)


def setup_form(fields: tuple[Field, ...], new: bool, **data: Any) -> FlaskForm:
    """The set-up form of a kind, made from its driver's `fields`: option `key` is the
    form field `opt_<key>`, beside the name, display name and the two switches."""

    class SetupForm(FlaskForm):
        display_name = StringField(_l("Display name"), validators=[Length(max=120)])
        enabled = BooleanField(_l("In use"), default=True)
        receipts = BooleanField(_l("Send receipts"), default=True)

    if new:
        SetupForm.name = StringField(_l("Name (short, fixed)"), validators=[
            DataRequired(), Length(max=40)], render_kw={"autocomplete": "off"})
    for field in fields:
        setattr(SetupForm, f"opt_{field.key}", _setup_input(field))
    return SetupForm(**data)
