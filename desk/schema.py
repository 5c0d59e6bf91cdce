"""Is the database at the newest migration? The app refuses to run on an old schema."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


class SchemaNotCurrent(RuntimeError):
    """The database needs `desk db upgrade` before the desk can use it."""


@dataclass(frozen=True)
class SchemaStatus:
    current: str | None
    head: str | None

    @property
    def at_head(self) -> bool:
        return self.current is not None and self.current == self.head


def head_revision() -> str | None:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


def schema_status(engine: Engine) -> SchemaStatus:
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    return SchemaStatus(current=current, head=head_revision())


def require_current_schema(engine: Engine) -> None:
    status = schema_status(engine)
    if status.at_head:
        return
    where = engine.url.render_as_string(hide_password=True)
    if status.current is None:
        problem = f"the database {where} has no desk schema"
    else:
        problem = f"the database {where} is at migration {status.current}, not {status.head}"
    raise SchemaNotCurrent(f"{problem}. Run `desk db upgrade` first.")


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Write our column types as plain SQLAlchemy types in new migrations."""
    from desk.models.base import UTCDateTime

    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


# Migration 0005 builds the full-text indexes outside the models, because they
# differ per database: FTS5 tables (and their shadow tables) on SQLite, a
# generated tsvector column with a GIN index on PostgreSQL (see desk.search).
_SEARCH_TABLES = ("messages_fts", "contacts_fts")
_SEARCH_COLUMN = "search_vector"


def include_object(obj: Any, name: str | None, type_: str, reflected: bool,
                   compare_to: Any) -> bool:
    """Leave the search indexes out when comparing the database with the models."""
    if not reflected or compare_to is not None or name is None:
        return True
    if type_ == "table":
        return not name.startswith(_SEARCH_TABLES)
    if type_ == "column":
        return name != _SEARCH_COLUMN
    if type_ == "index":
        return not name.endswith(f"_{_SEARCH_COLUMN}")
    return True
