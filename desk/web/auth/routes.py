"""Sign in, sign out, choose the language."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from desk.access import CASE_ROLES
from desk.users import authenticate, set_locale
from desk.web.auth.forms import LanguageForm, LoginForm

bp = Blueprint("auth", __name__)


def home_url() -> str:
    if current_user.is_authenticated and current_user.role in CASE_ROLES:
        return url_for("inquiries.queue")
    return url_for("admin.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(home_url())
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.username.data or "", form.password.data or "")
        if user is not None:
            session.clear()  # a fresh session on sign-in (no session fixation)
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or home_url())
        flash(gettext("Wrong user name or password."), "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout() -> Response:
    logout_user()
    session.clear()
    flash(gettext("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/language")
def language() -> Response:
    form = LanguageForm()
    if form.validate_on_submit():
        session["locale"] = form.locale.data
        if current_user.is_authenticated:
            set_locale(current_user, form.locale.data or "")
    return redirect(_safe_next(request.form.get("next")) or home_url())


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: an open redirect would help phishing."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
