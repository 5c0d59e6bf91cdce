"""The admin's pages (administrators only): an overview, then one module per area."""

from flask import render_template
from sqlalchemy import func, select

from desk.admin import log
from desk.admin.channels import all_channels
from desk.extensions import db
from desk.models import QuarantineItem, QuarantineState, Unit, User
from desk.web.admin.common import admin_only, bp


@bp.get("/")
@admin_only
def index() -> str:
    held = db.session.scalar(
        select(func.count(QuarantineItem.id)).where(QuarantineItem.state == QuarantineState.HELD)
    )
    counts = {
        "users": db.session.scalar(select(func.count(User.id)).where(User.active)),
        "units": db.session.scalar(select(func.count(Unit.id)).where(Unit.active)),
    }
    return render_template("admin/index.html", channels=all_channels(), quarantined=held,
                           counts=counts, entries=log.recent(20))


# The areas register their views on `bp` when imported.
import desk.web.admin.catalog  # noqa: E402
import desk.web.admin.channel_setup  # noqa: E402
import desk.web.admin.channels  # noqa: E402
import desk.web.admin.schedule  # noqa: E402
import desk.web.admin.units  # noqa: E402
import desk.web.admin.users  # noqa: E402, F401
