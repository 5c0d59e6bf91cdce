"""The admin blueprint and what its views share."""

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from desk.auth import roles_required
from desk.models import Role

bp = Blueprint("admin", __name__, url_prefix="/admin")
admin_only = roles_required(Role.ADMIN)


def done(endpoint: str, message: str, **values: object) -> Response:
    flash(message, "success")
    return redirect(url_for(endpoint, **values))


def invalid(endpoint: str, form: object = None, **values: object) -> Response:
    """Back to the page with what was wrong; the form's own messages when it has them."""
    errors = getattr(form, "errors", {}) or {}
    details = [f"{getattr(form, name).label.text}: {' '.join(map(str, msgs))}"
               for name, msgs in errors.items() if name != "csrf_token" and hasattr(form, name)]
    flash(" ".join([gettext("Please fill in the form correctly."), *details]), "error")
    return redirect(url_for(endpoint, **values))
