"""Configuration: defaults, the TOML file, DESK_* overrides, and clear errors."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from desk.config import ConfigError, load_config

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "desk.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_need_no_file() -> None:
    config = load_config(env={})
    assert config.database.url == "" and config.default_locale == "nb"
    assert config.source == "defaults"


def test_example_config_loads() -> None:
    config = load_config(ROOT / "config.example.toml", env={})
    assert config.channels and config.channels[0].kind == "email"


def test_file_values_and_env_overrides(tmp_path: Path) -> None:
    path = write(tmp_path, """
secret_key = "from-file"
[database]
url = "sqlite:///file.db"
[outbox]
max_attempts = 5
[[channels]]
name = "post"
kind = "email"
imap_host = "imap.example.no"
password = "file-password"
""")
    config = load_config(path, env={
        "DESK_DATABASE_URL": "postgresql+psycopg://db/desk",
        "DESK_OUTBOX_MAX_ATTEMPTS": "9",
        "DESK_SECRET_KEY": "from-env",
        "DESK_CHANNEL_POST_PASSWORD": "env-password",
        "DESK_CHANNEL_POST_ENABLED": "false",
    })
    assert config.database.url == "postgresql+psycopg://db/desk"
    assert config.outbox.max_attempts == 9
    assert config.secret_key == "from-env"
    post = config.channel("post")
    assert post.options["password"] == "env-password"
    assert post.options["imap_host"] == "imap.example.no"
    assert post.enabled is False


def test_desk_config_variable_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, 'base_url = "https://desk.kommune.no"\n')
    assert load_config(env={"DESK_CONFIG": str(path)}).base_url == "https://desk.kommune.no"


@pytest.mark.parametrize("text, expected", [
    ("[database]\nurl = \n", "not valid TOML"),
    ("[outbox]\nmax_attempts = \"many\"\n", "'outbox.max_attempts' must be a whole number"),
    ("[databse]\nurl = \"x\"\n", "unknown setting 'databse'"),
    ("[database]\nuri = \"x\"\n", "unknown setting 'database.uri'"),
    ("reply_to_closed = \"maybe\"\n", "'reply_to_closed' must be one of reopen, new"),
    ("[opening_hours]\nmonday = \"8-16\"\n", "'opening_hours.monday' must look like"),
    ("[[channels]]\nname = \"x\"\nkind = \"fax\"\n", "'channels[0].kind' must be one of"),
    ("[[channels]]\nkind = \"email\"\n", "missing setting 'channels[0].name'"),
])
def test_bad_config_names_the_file_and_key(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    assert str(path) in str(info.value) and expected in str(info.value)


def test_bad_environment_value_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="DESK_OUTBOX_MAX_ATTEMPTS"):
        load_config(env={"DESK_OUTBOX_MAX_ATTEMPTS": "lots"})


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.toml", env={})


def test_command_line_shows_one_clear_line_not_a_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, "[outbox]\nmax_attempts = \"many\"\n")
    env = {**os.environ, "DESK_CONFIG": str(path)}
    result = subprocess.run([sys.executable, "-m", "desk.cli", "users", "create", "x",
                             "--role", "agent", "--password", "secret"],
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert str(path) in result.stderr and "outbox.max_attempts" in result.stderr


def test_an_outbox_lease_of_nothing_is_refused() -> None:
    import pytest

    from desk.config import ConfigError, load_config

    with pytest.raises(ConfigError, match=r"'outbox\.lease_seconds' must be at least 1"):
        load_config(env={}, overrides={"outbox": {"lease_seconds": 0}})
