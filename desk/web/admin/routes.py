"""The admin's overview: channel health, quarantine, users and units."""

from flask import Blueprint, render_template
from sqlalchemy import func, select

from desk.auth import roles_required
from desk.extensions import db
from desk.models import Channel, QuarantineItem, QuarantineState, Role, Unit, User

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@roles_required(Role.ADMIN)
def index() -> str:
    channels = db.session.scalars(select(Channel).order_by(Channel.name)).all()
    held = db.session.scalar(
        select(func.count(QuarantineItem.id)).where(QuarantineItem.state == QuarantineState.HELD)
    )
    users = db.session.scalars(select(User).order_by(User.display_name)).all()
    units = db.session.scalars(select(Unit).order_by(Unit.name)).all()
    return render_template("admin/index.html", channels=channels, quarantined=held,
                           users=users, units=units)
