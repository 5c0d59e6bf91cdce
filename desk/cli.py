"""The `desk` command: Flask's CLI with the desk's own commands.

`desk db upgrade` (Flask-Migrate), `desk users create`, `desk worker`,
`desk import-mail`, `desk quarantine`, `desk secrets`, `desk telegram`, `desk demo`,
`desk run` for development.
"""

import json
import logging
from collections import Counter
from pathlib import Path

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
    """Refuse an old schema; then make sure every configured channel has its row."""
    from desk.channels import sync_channels
    from desk.extensions import db

    with app.app_context():
        try:
            require_current_schema(db.engine)
        except SchemaNotCurrent as exc:
            raise click.ClickException(str(exc)) from None
        sync_channels()


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
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]),
              default="info", show_default=True, help="The least important lines logged.")
@pass_script_info
def worker_command(info: ScriptInfo, log_level: str) -> None:
    """Run the background jobs (outbox, channel polling) until stopped."""
    from desk.worker import Worker

    logging.getLogger().setLevel(log_level.upper())
    app = info.load_app()
    check_schema(app)
    try:
        Worker(app).run_forever()
    except ConfigError as exc:  # a mailbox's options, checked as its watcher starts
        raise click.ClickException(str(exc)) from None


@main.command("import-mail")
@click.option("--channel", default="import", show_default=True,
              help="The e-mail channel the mail belongs to.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per message.")
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(exists=True, path_type=Path))
def import_mail_command(channel: str, as_json: bool, paths: tuple[Path, ...]) -> None:
    """Take in .eml files, folders of them and mbox files (no receipts are sent)."""
    from desk.mail.importer import import_mail

    check_schema(current_app)
    counts: Counter[str] = Counter()
    try:
        for record in import_mail(paths, channel):
            counts[record.taken.outcome] += 1
            if as_json:
                click.echo(json.dumps(record.as_json(), ensure_ascii=False))
            else:
                result = record.taken.result
                click.echo(f"{record.taken.outcome:<11} {(result and result.reference) or '-':<11} "
                           f"{record.source.source_id}  {record.taken.reason or ''}".rstrip())
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from None
    summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
    click.echo(f"imported {sum(counts.values())} messages: {summary or 'none'}", err=as_json)


@main.group()
def quarantine() -> None:
    """Inbound items that could not be taken in: list, replay, discard."""


@quarantine.command("list")
@click.option("--channel", default=None, help="Only this channel's items.")
@click.option("--limit", default=100, show_default=True)
@click.option("--all", "everything", is_flag=True,
              help="Also what a guard dropped on purpose, and what was replayed or discarded.")
def quarantine_list(channel: str | None, limit: int, everything: bool) -> None:
    """Held items, newest first; with --all every kept item, with its state."""
    from desk import quarantine as service
    from desk.models import QuarantineState

    check_schema(current_app)
    states = tuple(QuarantineState) if everything else (QuarantineState.HELD,)
    for item in service.held(limit, channel, states):
        reason = item.reason.splitlines()[0] if item.reason else ""
        click.echo(f"{item.id:>6}  {item.received_at:%Y-%m-%d %H:%M}  {item.state.value:<9} "
                   f"{item.channel or '-':<12} {item.size:>9} B  {reason}")


@quarantine.command("replay")
@click.argument("item_id", type=int)
def quarantine_replay(item_id: int) -> None:
    """Parse and ingest a held item again (a dropped one over the guard that dropped it)."""
    from desk import quarantine as service

    check_schema(current_app)
    try:
        result = service.replay(item_id)
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{item_id}: {result.outcome.value} {result.reference or ''}".rstrip())


@quarantine.command("discard")
@click.argument("item_id", type=int)
def quarantine_discard(item_id: int) -> None:
    """Give up on a held item."""
    from desk import quarantine as service

    check_schema(current_app)
    try:
        service.discard(item_id)
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{item_id}: discarded")


@main.group()
def secrets() -> None:
    """The key that encrypts the secrets of channels set up on the admin page."""


@secrets.command("new-key", with_appcontext=False)
def secrets_new_key() -> None:
    """Print a new key for [security] channel_secrets_key (put it first to rotate)."""
    from desk.channel_setup.keys import new_key

    click.echo(new_key())


@secrets.command("rotate")
def secrets_rotate() -> None:
    """Encrypt every stored channel secret again with the first configured key."""
    from desk.channel_setup.keys import NoKey, SecretsUnreadable
    from desk.channel_setup.store import rotate_secrets
    from desk.config import file_config

    check_schema(current_app)
    try:
        count = rotate_secrets(file_config())
    except (NoKey, SecretsUnreadable) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{count} channel set-ups encrypted with the first key")


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


from desk.telegram.commands import telegram  # noqa: E402 (its group, in its own package)

main.add_command(telegram)

if __name__ == "__main__":
    main()
