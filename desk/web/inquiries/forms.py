from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from desk.web.choices import choices


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class ReplyForm(FlaskForm):
    text = TextAreaField(_l("Answer to the citizen"),
                         validators=[DataRequired(), Length(max=50000)])
    then = SelectField(
        _l("Afterwards"),
        choices=choices([("open", _l("Keep open")), ("waiting", _l("Wait for the citizen")),
                         ("resolved", _l("Resolve"))]),
        default="waiting",
    )


class NoteForm(FlaskForm):
    text = TextAreaField(_l("Internal note"), validators=[DataRequired(), Length(max=20000)])


class RouteForm(FlaskForm):
    unit = SelectField(_l("Unit"), coerce=int, validators=[DataRequired()])
    comment = TextAreaField(_l("Comment for the unit"), validators=[Length(max=5000)])


class ReturnForm(FlaskForm):
    comment = TextAreaField(_l("Why it goes back"), validators=[Length(max=5000)])
