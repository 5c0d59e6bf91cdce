"""`desk demo`: a demo municipality on this machine, web app and worker in one process."""

import logging
from typing import Any

import click

from desk.config import current_config, load_config
from desk.demo import data

log = logging.getLogger(__name__)


def demo_channels(outbox_log: str) -> list[dict[str, Any]]:
    """The demo's channels: real kinds, but replies go to a log file, not to citizens."""
    return [
        {"name": name, "kind": kind, "display_name": display, "connector": "log",
         "path": outbox_log, "receipts": kind == "email"}
        for name, kind, display, _share in data.CHANNELS
        if kind not in ("phone", "walkin", "webchat")
    ] + [
        # The web chat answers into the citizen's own browser, never to anyone else, so
        # the demo uses its real connector; open around the clock, so it can be tried,
        # and linked from the sign-in page, where the one trying it finds it.
        {"name": name, "kind": kind, "display_name": display, "receipts": False,
         "always_open": True, "show_on_login": True}
        for name, kind, display, _share in data.CHANNELS
        if kind == "webchat"
    ] + [
        {"name": name, "kind": kind, "display_name": display, "receipts": False}
        for name, kind, display, _share in data.CHANNELS
        if kind in ("phone", "walkin")
    ]


def build_demo_app() -> Any:
    from desk import create_app

    config = load_config()
    if not config.channels:
        config = load_config(overrides={"channels": demo_channels("demo-outbox.log")})
    return create_app(config)


def run_demo(port: int = 5000, seed_only: bool = False) -> None:
    from flask_migrate import upgrade

    from desk.channels import sync_channels
    from desk.demo.seed import DEMO_PASSWORD, seed

    app = build_demo_app()
    with app.app_context():
        upgrade()
        sync_channels()
        click.echo("Preparing the demo municipality…")
        created = seed()
        click.echo("Demo data created." if created else "Demo data was already there.")
        base_url = current_config().base_url
    click.echo(f"Sign in as one of these (password for all: {DEMO_PASSWORD}):")
    for username, name, role, units in data.STAFF[:5]:
        where = f" ({', '.join(units)})" if units else ""
        click.echo(f"  {username:<12} {name:<16} {role}{where}")
    if seed_only:
        return
    from waitress import serve

    from desk.worker import Worker

    scheduler = Worker(app).start_background()
    click.echo(f"Serving on http://127.0.0.1:{port}  (Ctrl+C stops)")
    if base_url != f"http://127.0.0.1:{port}":
        log.info("config base_url is %s", base_url)
    try:
        serve(app, host="127.0.0.1", port=port, threads=8)
    finally:
        scheduler.shutdown(wait=False)
