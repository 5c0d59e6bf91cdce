from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, MultipleFileField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from desk.models import Priority
from desk.web.choices import choices
from desk.web.labels import LANGUAGES, PRIORITIES


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class ReplyForm(FlaskForm):
    text = TextAreaField(_l("Answer to the citizen"),
                         validators=[DataRequired(), Length(max=50000)])
    # The services check the submitted ids (a channel the citizen is on, a person who
    # may answer, a category that exists), so the choices are only for rendering.
    channel = SelectField(_l("Send through"), coerce=int, validators=[Optional()],
                          validate_choice=False)
    files = MultipleFileField(_l("Attach files"))
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


class AssignForm(FlaskForm):
    # 0 stands for "nobody": a select cannot carry None.
    assignee = SelectField(_l("Assign to"), coerce=int, validate_choice=False)


class ClassifyForm(FlaskForm):
    priority = SelectField(_l("Priority"), choices=choices(PRIORITIES.items()),
                           default=Priority.NORMAL.value)
    category = SelectField(_l("Category"), coerce=int, validate_choice=False)
    language = SelectField(_l("Language of the citizen"), choices=choices(LANGUAGES.items()))


class MergeForm(FlaskForm):
    reference = StringField(_l("Reference of the inquiry to merge into"),
                            validators=[DataRequired(), Length(max=20)])


class PublicReplyForm(FlaskForm):
    """An answer under a public comment: a standard reply for public use, or free text the
    agent confirms is short and generic (desk.facebook.public decides)."""

    standard = SelectField(_l("Standard reply for public use"), coerce=int,
                           validate_choice=False)
    # Empty with a standard reply chosen: that standard reply, unchanged.
    text = TextAreaField(_l("Public reply"), validators=[Optional(), Length(max=500)])
    confirm = BooleanField(_l("I confirm the text is short and generic and says nothing "
                              "about the case or the citizen"))


class HideCommentForm(FlaskForm):
    reason = StringField(_l("Why the comment is hidden"),
                         validators=[DataRequired(), Length(max=500)])
