"""The migrations build exactly what the models describe, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask import Flask

from desk.extensions import db
from desk.models import Base
from desk.schema import include_object, require_current_schema, schema_status


def test_migrated_schema_matches_the_models(app: Flask) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "include_object": include_object})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_schema_is_at_head(app: Flask) -> None:
    status = schema_status(db.engine)
    assert status.at_head and status.current == status.head
    require_current_schema(db.engine)


def test_datetimes_come_back_aware_utc(app: Flask, make_inquiry) -> None:
    inquiry = make_inquiry()
    db.session.expire_all()
    assert inquiry.created_at.tzinfo is not None
    assert inquiry.created_at.utcoffset().total_seconds() == 0
