"""Categories and standard replies (standardsvar)."""

from dataclasses import dataclass

from sqlalchemy import func, select

from desk.admin.log import admin_change, record
from desk.admin.rows import get_or_fail
from desk.admin.units import slugify
from desk.errors import N_, ServiceError
from desk.extensions import db
from desk.models import Category, StandardReply, User


def save_category(actor: User, category_id: int | None, name: str) -> Category:
    """Create a category (id None) or rename one; its slug is fixed at creation."""
    name = name.strip()
    if not slugify(name):
        raise ServiceError(N_("A category needs a name."))
    with admin_change(actor) as session:
        taken = select(Category.id).where(func.lower(Category.name) == name.lower())
        if category_id is not None:
            taken = taken.where(Category.id != category_id)
        if session.scalar(taken) or (category_id is None and session.scalar(
                select(Category.id).where(Category.slug == slugify(name)))):
            raise ServiceError(N_("A category with that name exists already."))
        if category_id is None:
            category = Category(slug=slugify(name), name=name)
            session.add(category)
            session.flush()
            record(session, actor, "category.created", category, name=name)
        else:
            category = get_or_fail(session, Category, category_id)
            record(session, actor, "category.renamed", category, name=name, was=category.name)
            category.name = name
    return category


@dataclass(frozen=True)
class ReplyText:
    """What the admin writes for a standard reply; bodies may be empty but for bokmål."""

    title: str
    body_nb: str
    body_nn: str = ""
    body_en: str = ""
    category_id: int | None = None
    active: bool = True
    # Short and generic enough to be posted under a public comment on social media.
    public: bool = False


def save_standard_reply(actor: User, reply_id: int | None, text: ReplyText) -> StandardReply:
    if not text.title.strip() or not text.body_nb.strip():
        raise ServiceError(N_("A standard reply needs a title and a text in bokmål."))
    with admin_change(actor) as session:
        if text.category_id is not None:
            get_or_fail(session, Category, text.category_id)
        if reply_id is None:
            reply = StandardReply()
            session.add(reply)
        else:
            reply = get_or_fail(session, StandardReply, reply_id)
        reply.title = text.title.strip()
        reply.body_nb, reply.body_nn, reply.body_en = text.body_nb, text.body_nn, text.body_en
        reply.category_id, reply.active = text.category_id, text.active
        reply.public = text.public
        session.flush()
        record(session, actor, "standard_reply.created" if reply_id is None
               else "standard_reply.updated", reply, title=reply.title, active=reply.active,
               public=reply.public)
    return reply


def all_categories() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.name)))


def all_standard_replies() -> list[StandardReply]:
    return list(db.session.scalars(
        select(StandardReply).order_by(StandardReply.active.desc(), StandardReply.title)))
