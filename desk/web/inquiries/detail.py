"""The inquiry page and its attachments."""

from typing import Any

from flask import Response, abort, render_template, request
from flask_login import current_user

from desk import audit, presence, queries
from desk.access import Action, can
from desk.attachments import store
from desk.drivers import driver_for
from desk.extensions import db
from desk.facebook.public import comment_of
from desk.models import Direction, Inquiry
from desk.standard_replies import fill
from desk.web.choices import choices
from desk.web.inquiries import bp, case_roles
from desk.web.inquiries.forms import (
    ActionForm,
    AssignForm,
    ClassifyForm,
    HideCommentForm,
    MergeForm,
    NoteForm,
    PublicReplyForm,
    ReplyForm,
    ReturnForm,
    RouteForm,
)
from desk.web.labels import LANGUAGES

# Shown inline; anything else (SVG too: it can carry script) is only downloaded.
PREVIEWABLE = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


def visible_or_404(inquiry_id: int) -> Inquiry:
    inquiry = queries.inquiry_for(current_user, inquiry_id)
    if inquiry is None:
        abort(404)
    return inquiry


@bp.get("/inquiries/<int:inquiry_id>")
@case_roles
def detail(inquiry_id: int) -> str:
    inquiry = visible_or_404(inquiry_id)
    if inquiry.sensitive:
        audit.record_view(current_user, inquiry.id)
    colleagues = presence.touch(current_user, inquiry.id)
    events = queries.history(inquiry)
    reply_form = ReplyForm()
    reaching = queries.reply_channels(inquiry)
    # A channel whose driver refuses an answer now (Messenger's 24-hour window) is not
    # offered; the agent is told why, and the citizen's other channels remain.
    refusals = {c.id: driver_for(c.kind).reply_refused(db.session, inquiry, c) for c in reaching}
    reply_form.channel.choices = choices((c.id, c.display_name) for c in reaching
                                         if refusals[c.id] is None)
    refusal = next((r for r in refusals.values() if r is not None), None)
    reply_form.text.data = _standard_reply_text(inquiry)
    return render_template(
        "inquiries/detail.html",
        inquiry=inquiry,
        messages=queries.thread(inquiry),
        events=events,
        actors=queries.users_by_id({e.actor_id for e in events if e.actor_id}),
        others=queries.other_inquiries(current_user, inquiry),
        colleagues=colleagues,
        reply_form=reply_form,
        reply_refusal=refusal,
        public=_public(inquiry),
        note_form=NoteForm(),
        route_form=_route_form(inquiry),
        return_form=ReturnForm(),
        assign_form=_assign_form(inquiry),
        classify_form=_classify_form(inquiry),
        merge_form=MergeForm(),
        action_form=ActionForm(),
        reply_search=request.args.get("sr", ""),
        replies=queries.standard_replies(request.args.get("sr", "")),
        previewable=PREVIEWABLE,
        inbound=Direction.INBOUND,
        can=lambda action: can(current_user, Action(action), inquiry),
    )


def _public(inquiry: Inquiry) -> dict[str, Any] | None:
    """The comment of a public inquiry and the forms of the public comment section."""
    if not inquiry.public:
        return None
    form = PublicReplyForm()
    form.standard.choices = choices(
        [(0, "—")] + [(r.id, r.title) for r in queries.standard_replies(public=True)])
    return {"comment": comment_of(db.session, inquiry), "form": form,
            "hide_form": HideCommentForm()}


def _standard_reply_text(inquiry: Inquiry) -> str | None:
    """The chosen standard reply, filled in (the page works without JavaScript)."""
    chosen = request.args.get("use", "")
    reply = queries.standard_reply(int(chosen)) if chosen.isdigit() else None
    return fill(reply, inquiry, current_user) if reply else None


def _route_form(inquiry: Inquiry) -> RouteForm:
    form = RouteForm()
    form.unit.choices = choices((u.id, u.name) for u in queries.active_units()
                                if u.id != inquiry.unit_id)
    return form


def _assign_form(inquiry: Inquiry) -> AssignForm:
    form = AssignForm(assignee=inquiry.assignee_id or 0)
    form.assignee.choices = choices(
        [(0, "—")] + [(u.id, u.display_name) for u in queries.assignable_users(inquiry)])
    return form


def _classify_form(inquiry: Inquiry) -> ClassifyForm:
    form = ClassifyForm(priority=inquiry.priority.value, category=inquiry.category_id or 0,
                        language=inquiry.language)
    form.category.choices = choices(
        [(0, "—")] + [(c.id, c.name) for c in queries.categories()])
    if inquiry.language not in LANGUAGES:
        form.language.choices = choices([(inquiry.language, inquiry.language),
                                         *LANGUAGES.items()])
    return form


@bp.get("/inquiries/<int:inquiry_id>/attachments/<int:attachment_id>")
@case_roles
def attachment(inquiry_id: int, attachment_id: int) -> Response:
    """The file, only for someone who may see the inquiry; images inline for preview."""
    found = queries.attachment_for(current_user, inquiry_id, attachment_id)
    if found is None:
        abort(404)
    inline = found.content_type in PREVIEWABLE and request.args.get("inline") == "1"
    try:
        data = store().read(found.sha256)
    except FileNotFoundError:
        abort(404)
    response = Response(data, mimetype=found.content_type if inline
                        else "application/octet-stream")
    disposition = "inline" if inline else "attachment"
    response.headers.set("Content-Disposition", disposition, filename=found.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
