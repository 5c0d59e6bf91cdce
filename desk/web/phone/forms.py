from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, SelectField, StringField, TelField, TextAreaField
from wtforms.validators import Length, Optional, Regexp

from desk.web.choices import choices


class RegistrationForm(FlaskForm):
    channel = RadioField(_l("How did the citizen get in touch?"), default="phone", choices=choices(
        [("phone", _l("Phone")), ("walkin", _l("At the counter"))]))
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    phone = TelField(_l("Phone number"), validators=[Optional(), Length(max=40)])
    email = EmailField(_l("E-mail address"), validators=[
        Optional(), Length(max=320),
        Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Write a valid e-mail address."))])
    topic = StringField(_l("Topic"), validators=[Length(max=300)])
    said = TextAreaField(_l("What the citizen said"), validators=[Length(max=20000)])
    outcome = RadioField(_l("Outcome"), default="resolved", choices=choices([
        ("resolved", _l("Resolved on the spot")),
        ("routed", _l("Route to a unit")),
        ("open", _l("Keep open in the queue")),
    ]))
    answer = TextAreaField(_l("What you answered"), validators=[Length(max=20000)])
    unit = SelectField(_l("Unit"), coerce=int, validators=[Optional()], validate_choice=False)
    comment = TextAreaField(_l("Comment for the unit"), validators=[Length(max=5000)])
