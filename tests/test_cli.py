"""The desk command: users, demo, and the worker's refusal to run on an old schema."""

import os
import subprocess
import sys
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from desk.extensions import db
from desk.models import Inquiry, Role, Setting, User


def test_users_create(app: Flask) -> None:
    from desk.cli import main

    result = app.test_cli_runner().invoke(main, [
        "users", "create", "kari", "--role", "agent", "--name", "Kari Nordmann",
        "--password", "hemmelig"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "kari"))
    assert user.role is Role.AGENT and user.password_hash.startswith("$argon2id$")
    assert "hemmelig" not in user.password_hash


def test_users_create_refuses_a_leader_without_a_unit(app: Flask) -> None:
    from desk.cli import main

    result = app.test_cli_runner().invoke(main, [
        "users", "create", "leder", "--role", "unit_leader", "--password", "hemmelig"])
    assert result.exit_code != 0
    assert "at least one unit" in result.output


def test_demo_seed_is_idempotent_and_complete(app: Flask) -> None:
    from desk.demo.seed import seed

    assert seed(inquiries=300) is True
    assert seed(inquiries=300) is False
    assert db.session.scalar(select(func.count(Inquiry.id))) == 300
    usernames = set(db.session.scalars(select(User.username)))
    assert {"agent", "leader", "member", "supervisor", "admin"} <= usernames
    routed = db.session.scalar(select(func.count(Inquiry.id)).where(Inquiry.unit_id.is_not(None)))
    assert routed > 0


def test_demo_refuses_a_database_with_real_data(app: Flask, make_user) -> None:
    import pytest

    from desk.demo.seed import seed
    from desk.errors import ServiceError

    make_user("ekte", Role.AGENT)
    with pytest.raises(ServiceError, match="not demo data"):
        seed(inquiries=10)
    assert db.session.get(Setting, "demo_seeded_at") is None


def test_demo_command_seeds_a_fresh_database(database_url: str, tmp_path: Path) -> None:
    """The README's first command, minus the server: `desk demo --seed-only`."""
    env = {**os.environ, "DESK_DATABASE_URL": database_url,
           "DESK_INSTANCE_PATH": str(tmp_path), "DESK_PASSWORD_HASH_FAST": "true"}
    env.pop("DESK_CONFIG", None)
    for expected in ("Demo data created.", "Demo data was already there."):
        result = subprocess.run([sys.executable, "-m", "desk.cli", "demo", "--seed-only"],
                                env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        assert expected in result.stdout
        assert "agent" in result.stdout and "demo" in result.stdout


def test_worker_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    env = {**os.environ, "DESK_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}",
           "DESK_INSTANCE_PATH": str(tmp_path)}
    env.pop("DESK_CONFIG", None)
    result = subprocess.run([sys.executable, "-m", "desk.cli", "worker"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "desk db upgrade" in result.stderr and "Traceback" not in result.stderr
