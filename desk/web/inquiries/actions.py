"""Every change to an inquiry: parse the form, call one service, redirect."""

from flask import flash, redirect, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from desk import queries, workflow
from desk.models import Priority, Status
from desk.web.choices import choices
from desk.web.inquiries import bp, case_roles
from desk.web.inquiries.forms import (
    ActionForm,
    AssignForm,
    ClassifyForm,
    MergeForm,
    NoteForm,
    ReplyForm,
    ReturnForm,
    RouteForm,
)
from desk.web.uploads import uploaded


def _back(inquiry_id: int, message: str | None = None) -> Response:
    if message:
        flash(message, "success")
    return redirect(url_for("inquiries.detail", inquiry_id=inquiry_id))


def _invalid(inquiry_id: int) -> Response:
    flash(gettext("Please fill in the form correctly."), "error")
    return _back(inquiry_id)


@bp.post("/inquiries/<int:inquiry_id>/reply")
@case_roles
def reply(inquiry_id: int) -> Response:
    form = ReplyForm()
    if not form.validate_on_submit():
        return _invalid(inquiry_id)
    workflow.reply(current_user, inquiry_id, form.text.data or "",
                   channel_id=form.channel.data or None, then=Status(form.then.data),
                   attachments=uploaded(form.files.data))
    return _back(inquiry_id, gettext("The answer is on its way to the citizen."))


@bp.post("/inquiries/<int:inquiry_id>/note")
@case_roles
def note(inquiry_id: int) -> Response:
    form = NoteForm()
    if not form.validate_on_submit():
        return _invalid(inquiry_id)
    workflow.add_note(current_user, inquiry_id, form.text.data or "")
    return _back(inquiry_id, gettext("Note saved."))


@bp.post("/inquiries/<int:inquiry_id>/route")
@case_roles
def route(inquiry_id: int) -> Response:
    form = RouteForm()
    form.unit.choices = choices((u.id, u.name) for u in queries.active_units())
    if not form.validate_on_submit():
        return _invalid(inquiry_id)
    workflow.route_to_unit(current_user, inquiry_id, form.unit.data, form.comment.data or "")
    return _back(inquiry_id, gettext("Routed to the unit."))


@bp.post("/inquiries/<int:inquiry_id>/return")
@case_roles
def return_(inquiry_id: int) -> Response:
    form = ReturnForm()
    if not form.validate_on_submit():
        return _invalid(inquiry_id)
    workflow.return_to_front_desk(current_user, inquiry_id, form.comment.data or "")
    flash(gettext("Sent back to the front desk."), "success")
    return redirect(url_for("inquiries.queue"))


@bp.post("/inquiries/<int:inquiry_id>/assign")
@case_roles
def assign(inquiry_id: int) -> Response:
    form = AssignForm()
    if not form.validate_on_submit():
        return _invalid(inquiry_id)
    workflow.assign(current_user, inquiry_id, form.assignee.data or None)
    return _back(inquiry_id, gettext("Assignment saved."))


@bp.post("/inquiries/<int:inquiry_id>/classify")
@case_roles
def classify(inquiry_id: int) -> Response:
    form = ClassifyForm()
    if not form.validate_on_submit():
        return _invalid(inquiry_id)
    workflow.classify(current_user, inquiry_id, priority=Priority(form.priority.data),
                      category_id=form.category.data or None,
                      language=form.language.data or "nb")
    return _back(inquiry_id, gettext("Saved."))


@bp.post("/inquiries/<int:inquiry_id>/merge")
@case_roles
def merge(inquiry_id: int) -> Response:
    form = MergeForm()
    if not form.validate_on_submit():
        return _invalid(inquiry_id)
    target = workflow.merge(current_user, inquiry_id, form.reference.data or "")
    return _back(target.id, gettext("The inquiries are merged."))


@bp.post("/inquiries/<int:inquiry_id>/messages/<int:message_id>/split")
@case_roles
def split(inquiry_id: int, message_id: int) -> Response:
    if not ActionForm().validate_on_submit():
        return _invalid(inquiry_id)
    new = workflow.split(current_user, inquiry_id, message_id)
    return _back(new.id, gettext("The message is now inquiry %(reference)s.",
                                 reference=new.reference))


_SIMPLE_ACTIONS = {
    "claim": (workflow.claim, _l("You have taken the inquiry.")),
    "accept": (workflow.accept, _l("The unit has accepted the inquiry.")),
    "resolve": (workflow.resolve, _l("The inquiry is resolved.")),
    "reopen": (workflow.reopen, _l("The inquiry is open again.")),
    "spam": (workflow.mark_spam, _l("Marked as spam and closed.")),
}


@bp.post("/inquiries/<int:inquiry_id>/<any(claim, accept, resolve, reopen, spam):action>")
@case_roles
def simple_action(inquiry_id: int, action: str) -> Response:
    if not ActionForm().validate_on_submit():
        return _invalid(inquiry_id)
    service, done = _SIMPLE_ACTIONS[action]
    service(current_user, inquiry_id)
    return _back(inquiry_id, str(done))
