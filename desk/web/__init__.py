"""The web app's blueprints, one package per area, and its error pages."""

from flask import Flask, flash, redirect, render_template, request
from flask_babel import gettext
from werkzeug.wrappers import Response

from desk.access import NotVisible, PermissionDenied
from desk.drivers import drivers
from desk.errors import ServiceError
from desk.web import labels


def register_blueprints(app: Flask) -> None:
    from desk.web.admin.routes import bp as admin_bp
    from desk.web.auth.routes import bp as auth_bp
    from desk.web.health import bp as health_bp
    from desk.web.inquiries import bp as inquiries_bp
    from desk.web.phone import bp as phone_bp

    for bp in (auth_bp, health_bp, inquiries_bp, phone_bp, admin_bp):
        app.register_blueprint(bp)
    # What each channel kind serves itself (the web chat's pages and API).
    for driver in drivers():
        driver.init_app(app)
    labels.init_app(app)
    _register_error_handlers(app)


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(NotVisible)
    @app.errorhandler(404)
    def not_found(_error: Exception) -> tuple[str, int]:
        return render_template("errors/error.html", code=404,
                               message=gettext("We could not find that page.")), 404

    @app.errorhandler(PermissionDenied)
    @app.errorhandler(403)
    def forbidden(_error: Exception) -> tuple[str, int]:
        return render_template("errors/error.html", code=403,
                               message=gettext("You do not have access to this.")), 403

    @app.errorhandler(400)
    def bad_request(error: Exception) -> tuple[str, int]:
        # Flask-WTF CSRF failure lands here too.
        return render_template("errors/error.html", code=400,
                               message=gettext("The form had expired or was not valid. "
                                               "Go back, reload the page and try again.")), 400

    @app.errorhandler(ServiceError)
    def service_error(error: ServiceError) -> Response:
        flash(gettext(str(error)), "error")
        return redirect(request.referrer or "/")
