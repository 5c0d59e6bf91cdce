"""The queue and the inquiry page; every POST calls one service and redirects."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from desk import audit, queries, workflow
from desk.access import CASE_ROLES, Action, can
from desk.auth import roles_required
from desk.models import Status
from desk.web.choices import choices
from desk.web.inquiries.forms import ActionForm, NoteForm, ReplyForm, ReturnForm, RouteForm

bp = Blueprint("inquiries", __name__)
case_roles = roles_required(*CASE_ROLES)


@bp.get("/")
@case_roles
def queue() -> str:
    view = request.args.get("view", "open")
    if view not in queries.QUEUE_VIEWS:
        view = "open"
    page = queries.queue_page(current_user, view, request.args.get("after"))
    return render_template("inquiries/queue.html", page=page, view=view,
                           views=queries.QUEUE_VIEWS)


@bp.get("/inquiries/<int:inquiry_id>")
@case_roles
def detail(inquiry_id: int) -> str:
    inquiry = queries.inquiry_for(current_user, inquiry_id)
    if inquiry is None:
        abort(404)
    if inquiry.sensitive:
        audit.record_view(current_user, inquiry.id)
    route_form = RouteForm()
    route_form.unit.choices = choices((u.id, u.name) for u in queries.active_units()
                                      if u.id != inquiry.unit_id)
    events = queries.history(inquiry)
    return render_template(
        "inquiries/detail.html",
        inquiry=inquiry,
        messages=queries.thread(inquiry),
        events=events,
        actors=queries.users_by_id({e.actor_id for e in events if e.actor_id}),
        reply_form=ReplyForm(),
        note_form=NoteForm(),
        route_form=route_form,
        return_form=ReturnForm(),
        action_form=ActionForm(),
        can=lambda action: can(current_user, Action(action), inquiry),
    )


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
    workflow.reply(current_user, inquiry_id, form.text.data or "", then=Status(form.then.data))
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


_SIMPLE_ACTIONS = {
    "claim": (workflow.claim, _l("You have taken the inquiry.")),
    "resolve": (workflow.resolve, _l("The inquiry is resolved.")),
    "reopen": (workflow.reopen, _l("The inquiry is open again.")),
}


@bp.post("/inquiries/<int:inquiry_id>/<any(claim, resolve, reopen):action>")
@case_roles
def simple_action(inquiry_id: int, action: str) -> Response:
    if not ActionForm().validate_on_submit():
        return _invalid(inquiry_id)
    service, done = _SIMPLE_ACTIONS[action]
    service(current_user, inquiry_id)
    return _back(inquiry_id, str(done))
