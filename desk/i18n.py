"""Languages of the staff UI: bokmål by default, nynorsk and English."""

from flask import Flask, session
from flask_login import current_user

from desk.config import current_config
from desk.extensions import babel

LOCALES = ("nb", "nn", "en")
LOCALE_NAMES = {"nb": "Norsk bokmål", "nn": "Norsk nynorsk", "en": "English"}


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals.update(LOCALE_NAMES=LOCALE_NAMES)


def select_locale() -> str:
    """The signed-in user's choice, else this browser session's choice, else the desk's default.

    The browser's Accept-Language is not consulted: many town-hall PCs run an
    English system, and the desk is bokmål until a person picks another form.
    """
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in LOCALES:
        return chosen
    return current_config().default_locale
