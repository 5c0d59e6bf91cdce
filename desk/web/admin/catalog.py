"""Categories and standard replies."""

from flask import render_template
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from desk.admin import catalog as service
from desk.extensions import db
from desk.models import Category, StandardReply
from desk.web.admin.common import admin_only, bp, done, invalid
from desk.web.admin.forms import CategoryForm, StandardReplyForm
from desk.web.choices import choices


@bp.get("/categories")
@admin_only
def categories() -> str:
    return render_template("admin/categories.html", categories=service.all_categories(),
                           form=CategoryForm())


@bp.post("/categories", defaults={"category_id": None})
@bp.post("/categories/<int:category_id>")
@admin_only
def save_category(category_id: int | None) -> Response:
    form = CategoryForm()
    if not form.validate_on_submit():
        return invalid("admin.categories", form)
    if category_id is not None:
        db.get_or_404(Category, category_id)
    service.save_category(current_user, category_id, form.name.data or "")
    return done("admin.categories", gettext("Saved."))


def _reply_form(reply: StandardReply | None = None) -> StandardReplyForm:
    form = StandardReplyForm(obj=reply)
    form.category.choices = choices([(0, "–"), *((c.id, c.name)
                                                   for c in service.all_categories())])
    if reply is not None and not form.is_submitted():
        form.category.data = reply.category_id or 0
    return form


@bp.get("/standard-replies")
@admin_only
def standard_replies() -> str:
    return render_template("admin/standard_replies.html",
                           replies=service.all_standard_replies())


@bp.get("/standard-replies/new", defaults={"reply_id": None})
@bp.get("/standard-replies/<int:reply_id>")
@admin_only
def standard_reply(reply_id: int | None) -> str:
    reply = db.get_or_404(StandardReply, reply_id) if reply_id is not None else None
    return render_template("admin/standard_reply.html", reply=reply, form=_reply_form(reply))


@bp.post("/standard-replies/new", defaults={"reply_id": None})
@bp.post("/standard-replies/<int:reply_id>")
@admin_only
def save_standard_reply(reply_id: int | None) -> Response:
    form = _reply_form()
    back = {"reply_id": reply_id} if reply_id is not None else {}
    if not form.validate_on_submit():
        return invalid("admin.standard_reply", form, **back)
    text = service.ReplyText(
        title=form.title.data or "", body_nb=form.body_nb.data or "",
        body_nn=form.body_nn.data or "", body_en=form.body_en.data or "",
        category_id=form.category.data or None, active=bool(form.active.data),
        public=bool(form.public.data))
    service.save_standard_reply(current_user, reply_id, text)
    return done("admin.standard_replies", gettext("Standard reply saved."))
