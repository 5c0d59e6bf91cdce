"""The `desk` command: Flask's CLI with the desk's own commands.

`desk db upgrade` (Flask-Migrate), `desk users create`, `desk worker`,
`desk demo`, `desk run` for development.
"""

import logging

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, ScriptInfo, pass_script_info

from desk import create_app
from desk.config import ConfigError
from desk.errors import ServiceError
from desk.models import Role
from desk.schema import SchemaNotCurrent, require_current_schema


def _create_app() -> Flask:
    try:
        return create_app()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False,
             load_dotenv=False)
def main() -> None:
    """desk: the citizen service centre's inbox."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def check_schema(app: Flask) -> None:
    from desk.extensions import db

    with app.app_context():
        try:
            require_current_schema(db.engine)
        except SchemaNotCurrent as exc:
            raise click.ClickException(str(exc)) from None


@main.group()
def users() -> None:
    """Manage staff accounts."""


@users.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--name", "display_name", default="", help="Full name shown to colleagues.")
@click.option("--email", default=None)
@click.option("--unit", "units", multiple=True, help="Unit slug (repeatable).")
@click.password_option(help="Asked for when not given.")
def create_user_command(username: str, role: str, display_name: str, email: str | None,
                        units: tuple[str, ...], password: str) -> None:
    """Create a staff user."""
    from desk.users import create_user

    check_schema(current_app)
    try:
        user = create_user(username, password, Role(role), display_name, email, units)
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"created {user.username} ({user.role.value})")


@main.command("worker", with_appcontext=False)
@pass_script_info
def worker_command(info: ScriptInfo) -> None:
    """Run the background jobs (outbox, channel polling) until stopped."""
    from desk.channels import sync_channels
    from desk.worker import Worker

    app = info.load_app()
    check_schema(app)
    with app.app_context():
        sync_channels()
    Worker(app).run_forever()


@main.command("demo", with_appcontext=False)
@click.option("--port", default=5000, show_default=True, help="Port on 127.0.0.1.")
@click.option("--seed-only", is_flag=True, help="Create the demo data and exit.")
def demo_command(port: int, seed_only: bool) -> None:
    """Create a demo municipality (once) and serve it with a worker."""
    from desk.demo import run_demo

    try:
        run_demo(port=port, seed_only=seed_only)
    except (ConfigError, ServiceError) as exc:
        raise click.ClickException(str(exc)) from None


if __name__ == "__main__":
    main()
