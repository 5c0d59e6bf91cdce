"""The public comment section of an inquiry page: answer in public, move to a private
message, hide the comment. Each view parses its form, calls one service, redirects."""

from flask import flash, redirect, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from desk.facebook import actions
from desk.web.inquiries import bp, case_roles
from desk.web.inquiries.forms import ActionForm, HideCommentForm, PublicReplyForm


def _back(inquiry_id: int, message: str | None = None, category: str = "success") -> Response:
    if message:
        flash(message, category)
    return redirect(url_for("inquiries.detail", inquiry_id=inquiry_id) + "#public-heading")


@bp.post("/inquiries/<int:inquiry_id>/public-reply")
@case_roles
def public_reply(inquiry_id: int) -> Response:
    form = PublicReplyForm()
    if not form.validate_on_submit():
        return _back(inquiry_id, gettext("Please fill in the form correctly."), "error")
    actions.public_reply(current_user, inquiry_id, form.text.data or "",
                         standard_reply_id=form.standard.data or None,
                         confirmed=bool(form.confirm.data))
    return _back(inquiry_id, gettext("The public reply is on its way."))


@bp.post("/inquiries/<int:inquiry_id>/move-to-private")
@case_roles
def move_to_private(inquiry_id: int) -> Response:
    if not ActionForm().validate_on_submit():
        return _back(inquiry_id, gettext("Please fill in the form correctly."), "error")
    actions.move_to_private(current_user, inquiry_id)
    return _back(inquiry_id, gettext("A private message invites the citizen to Messenger."))


@bp.post("/inquiries/<int:inquiry_id>/hide-comment")
@case_roles
def hide_comment(inquiry_id: int) -> Response:
    form = HideCommentForm()
    if not form.validate_on_submit():
        return _back(inquiry_id, gettext("Please fill in the form correctly."), "error")
    hidden = actions.hide_comment(current_user, inquiry_id, form.reason.data or "")
    return _back(inquiry_id, gettext("The comment is hidden on the Page.") if hidden
                 else gettext("The comment was hidden already."))
