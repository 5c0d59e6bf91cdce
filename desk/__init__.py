"""desk: one inbox for a municipality's citizen service centre."""

import logging
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

from desk.config import DeskConfig, load_config

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger(__name__)


def create_app(config: DeskConfig | None = None, **overrides: Any) -> Flask:
    """Build the web app. `config` defaults to DESK_CONFIG plus DESK_* overrides."""
    config = config or load_config(overrides=overrides or None)
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder="web/static",
        instance_path=config.instance_path or None,
        instance_relative_config=True,
    )
    _configure(app, config)
    _register_extensions(app)
    _register_blueprints(app)
    _register_schema_guard(app)
    return app


def _configure(app: Flask, config: DeskConfig) -> None:
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    url = config.database.url or f"sqlite:///{Path(app.instance_path) / 'desk.sqlite3'}"
    app.config.update(
        SECRET_KEY=config.secret_key or _instance_secret(Path(app.instance_path)),
        SQLALCHEMY_DATABASE_URI=url,
        SQLALCHEMY_ECHO=config.database.echo,
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(url),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.base_url.startswith("https://"),
        REMEMBER_COOKIE_SECURE=config.base_url.startswith("https://"),
        WTF_CSRF_TIME_LIMIT=None,  # an agent's form may stay open all day
        BABEL_DEFAULT_LOCALE=config.default_locale,
        BABEL_DEFAULT_TIMEZONE=config.timezone,
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
        MAX_CONTENT_LENGTH=config.attachments.max_bytes + 1024 * 1024,
    )
    app.extensions["desk.config"] = config


def _engine_options(url: str) -> dict[str, Any]:
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True}


def _instance_secret(instance: Path) -> str:
    """A secret key kept in the instance folder when the config names none.

    Fine for one machine; several web machines must share `secret_key` in config.
    """
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
        log.warning("no secret_key configured; generated one in %s", path)
    return path.read_text().strip()


def _register_extensions(app: Flask) -> None:
    from desk import database, i18n
    from desk.auth import init_auth
    from desk.extensions import csrf, db, migrate
    from desk.schema import include_object, render_item

    db.init_app(app)
    database.init_app(app)
    # Batch mode lets Alembic alter tables on SQLite, which has little ALTER TABLE.
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True,
                     compare_type=True, render_item=render_item,
                     include_object=include_object)
    csrf.init_app(app)
    init_auth(app)
    i18n.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from desk.web import register_blueprints

    register_blueprints(app)


def _register_schema_guard(app: Flask) -> None:
    """Answer 503 with what to run while the database is behind the code.

    Checked until it passes once per process, which then syncs the channel rows
    with the config; `desk.wsgi` and `desk worker` refuse to start at all on an
    old schema.
    """
    from flask import request

    from desk.channels import sync_channels
    from desk.extensions import db
    from desk.schema import SchemaNotCurrent, require_current_schema

    state = {"ok": False}

    @app.before_request
    def _check_schema() -> tuple[str, int, dict[str, str]] | None:
        if state["ok"] or request.endpoint in ("health.healthz", "static"):
            return None
        try:
            require_current_schema(db.engine)
        except SchemaNotCurrent as exc:
            return str(exc), 503, {"Content-Type": "text/plain; charset=utf-8"}
        sync_channels()  # the rows of the channels in the config, whatever ran before
        state["ok"] = True
        return None
