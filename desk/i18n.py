"""Languages of the staff UI: bokmål by default, nynorsk and English."""

from flask import Flask, request, session
from flask_login import current_user

from desk.config import current_config
from desk.extensions import babel

LOCALES = ("nb", "nn", "en")
LOCALE_NAMES = {"nb": "Norsk bokmål", "nn": "Norsk nynorsk", "en": "English"}


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals.update(LOCALE_NAMES=LOCALE_NAMES)


def select_locale() -> str:
    """The signed-in user's choice, else this browser's, else the desk's default."""
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in LOCALES:
        return chosen
    # Browsers say "no" or "nb-NO" for bokmål.
    accepted = [("nb" if lang in ("no", "nb-NO", "no-NO") else lang.split("-")[0], q)
                for lang, q in request.accept_languages]
    for lang, _quality in accepted:
        if lang in LOCALES:
            return lang
    return current_config().default_locale
