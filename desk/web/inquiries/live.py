"""JSON the inquiry page polls: who else is here, and standard replies while writing."""

from flask import abort, request
from flask_login import current_user

from desk import presence, queries
from desk.access import Action, can
from desk.standard_replies import fill
from desk.web.inquiries import bp, case_roles
from desk.web.inquiries.detail import visible_or_404


@bp.post("/inquiries/<int:inquiry_id>/presence")
@case_roles
def here(inquiry_id: int) -> dict[str, object]:
    """Touch the caller's presence (CSRF-checked like any POST); answer with the others."""
    visible_or_404(inquiry_id)
    if request.form.get("leaving") == "1":
        presence.leave(current_user, inquiry_id)
        return {"others": []}
    others = presence.touch(current_user, inquiry_id, typing=request.form.get("typing") == "1")
    return {"others": [{"name": c.name, "typing": c.typing} for c in others]}


@bp.get("/inquiries/<int:inquiry_id>/standard-replies.json")
@case_roles
def standard_replies(inquiry_id: int) -> dict[str, object]:
    """Matching standard replies, filled in for this inquiry in its language."""
    inquiry = visible_or_404(inquiry_id)
    if not can(current_user, Action.REPLY, inquiry):
        abort(403)
    found = queries.standard_replies(request.args.get("q", ""))
    return {"replies": [{"id": r.id, "title": r.title, "text": fill(r, inquiry, current_user)}
                        for r in found]}
