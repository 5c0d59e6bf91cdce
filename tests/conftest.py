"""Fixtures in the style of Flask's tutorial: a fresh database per test, on
SQLite by default or on PostgreSQL when DESK_TEST_DATABASE_URL names one.

The schema is built once per run through the real Alembic migrations; each
test then starts from it clean (a copied SQLite file, or TRUNCATE on
PostgreSQL), so tests are independent and fast.
"""

import contextvars
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from connectors.base import InboundMessage
from desk import create_app
from desk.config import env_value, load_config
from desk.models import Role, User

PG_URL = env_value("DESK_TEST_DATABASE_URL")


def _migrate(url: str, instance: Path) -> None:
    from flask_migrate import upgrade

    app = create_app(load_config(env={}, overrides={
        "database": {"url": url}, "instance_path": str(instance), "secret_key": "x"}))
    with app.app_context():
        upgrade()
        from desk.extensions import db

        db.engine.dispose()


@pytest.fixture(scope="session")
def schema_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrate once: a template SQLite file, or the PostgreSQL test database."""
    instance = tmp_path_factory.mktemp("template")
    if PG_URL:
        engine = create_engine(PG_URL)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        _migrate(PG_URL, instance)
        return PG_URL
    path = instance / "template.sqlite3"
    _migrate(f"sqlite:///{path}", instance)
    return str(path)


@pytest.fixture
def database_url(schema_template: str, tmp_path: Path) -> str:
    if PG_URL:
        engine = create_engine(PG_URL)
        with engine.begin() as connection:
            tables = connection.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version'")).scalars().all()
            connection.execute(text(
                f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return PG_URL
    path = tmp_path / "desk.sqlite3"
    shutil.copy(schema_template, path)
    return f"sqlite:///{path}"


TEST_CHANNELS = [
    {"name": "post", "kind": "email", "display_name": "Postmottak", "connector": "log",
     "path": "outbox.log", "address": "post@kommune.example"},
    {"name": "telegram", "kind": "telegram", "display_name": "Telegram", "connector": "log",
     "path": "outbox.log"},
]


def make_config(database_url: str, instance: Path, **overrides: Any) -> Any:
    base = {
        "database": {"url": database_url},
        "instance_path": str(instance),
        "secret_key": "test-secret",
        "password_hash_fast": True,
        "message_id_domain": "desk.test",
        "channels": TEST_CHANNELS,
        "outbox": {"base_delay_seconds": 10, "max_delay_seconds": 300, "max_attempts": 3},
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return load_config(env={}, overrides=base)


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    """Override in a test module to change the app's config."""
    return {}


@pytest.fixture
def app(database_url: str, tmp_path: Path, config_overrides: dict[str, Any]) -> Iterator[Flask]:
    from desk.channels import sync_channels
    from desk.extensions import db

    app = create_app(make_config(database_url, tmp_path / "instance", **config_overrides))
    app.config["TESTING"] = True
    with app.app_context():
        sync_channels()
        yield app
        db.session.remove()
        db.engine.dispose()


class IsolatedClient(FlaskClient):
    """A test client whose requests get their own app context, as in production.

    Flask reuses an app context the test already pushed, which would share
    `g` and the database session between the test and the request.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    from desk.extensions import db
    from desk.models import Unit
    from desk.users import create_user

    def make(username: str, role: Role | str = Role.AGENT, units: tuple[str, ...] = (),
             password: str = "secret") -> User:
        for slug in units:
            if db.session.query(Unit).filter_by(slug=slug).first() is None:
                db.session.add(Unit(slug=slug, name=slug.title()))
                db.session.commit()
        return create_user(username, password, Role(role), username.title(), None, units)

    return make


_counter = {"n": 0}


def inbound(**overrides: Any) -> InboundMessage:
    """An InboundMessage with sensible defaults; every call a new external id."""
    _counter["n"] += 1
    values: dict[str, Any] = {
        "channel": "post",
        "external_id": f"msg-{_counter['n']}@citizen.example",
        "sender_address": "ola@example.no",
        "sender_name": "Ola Nordmann",
        "subject": "Søppeltømming",
        "text": "Hei, søppelet ble ikke tømt i dag. Hva gjør jeg?",
    }
    values.update(overrides)
    return InboundMessage(**values)


@pytest.fixture
def make_inquiry(app: Flask) -> Callable[..., Any]:
    from desk.extensions import db
    from desk.ingest import ingest
    from desk.models import Inquiry

    def make(**overrides: Any) -> Inquiry:
        result = ingest(inbound(**overrides))
        inquiry = db.session.get(Inquiry, result.inquiry_id)
        assert inquiry is not None
        return inquiry

    return make


class Auth:
    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, username: str, password: str = "secret") -> Any:
        token = csrf_token(self.client.get("/login").get_data(as_text=True))
        return self.client.post("/login", data={"username": username, "password": password,
                                                "csrf_token": token})

    def logout(self) -> Any:
        token = csrf_token(self.client.get("/").get_data(as_text=True))
        return self.client.post("/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client: FlaskClient) -> Auth:
    return Auth(client)


def csrf_token(html: str) -> str:
    import re

    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def at_once(app: Flask, func: Callable[[Any], Any], args: list[Any]) -> list[Any]:
    """Call `func(arg)` for every arg in its own thread and app context, released together.

    Returns the results (or the exceptions raised) in the order of `args`:
    races between workers are tested with real concurrent transactions.
    """
    import threading

    barrier = threading.Barrier(len(args))
    results: list[Any] = [None] * len(args)

    def run(index: int, arg: Any) -> None:
        from desk.extensions import db

        with app.app_context():
            barrier.wait()
            try:
                results[index] = func(arg)
            except Exception as exc:  # returned for the test to assert on
                results[index] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(args)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
