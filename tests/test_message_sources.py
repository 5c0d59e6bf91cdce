"""An inbound message's source: kept in the database with the message, erased with it,
and carried across migration 0007 in both directions."""

import pytest
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import delete, inspect, select, text

from desk.attachments import store
from desk.extensions import db
from desk.ingest import ingest
from desk.models import Message, MessageSource
from tests.conftest import PG_URL, inbound

RAW = b"From: Kari <kari@example.no>\r\nSubject: Hull i veien\r\n\r\nHei \xc3\xa6\xc3\xb8\xc3\xa5"


def test_the_source_is_kept_with_the_message_and_erased_with_it(app: Flask) -> None:
    result = ingest(inbound(raw=RAW))
    assert db.session.get(MessageSource, result.message_id).raw == RAW
    db.session.execute(delete(Message).where(Message.id == result.message_id))
    db.session.commit()
    assert db.session.scalars(select(MessageSource)).all() == []


def test_a_message_without_source_has_no_row(app: Flask) -> None:
    result = ingest(inbound(raw=None))
    assert db.session.get(MessageSource, result.message_id) is None


def test_downgrade_puts_sources_in_the_file_store_and_upgrade_takes_them_back(
        app: Flask) -> None:
    kept = ingest(inbound(raw=RAW)).message_id
    lost = ingest(inbound(raw=RAW + b" igjen")).message_id
    db.session.commit()
    try:
        downgrade(revision="0006")
        assert "message_sources" not in inspect(db.engine).get_table_names()
        with db.engine.connect() as connection:
            stored = dict(connection.execute(text("SELECT id, raw_sha256 FROM messages")).all())
        assert store().read(stored[kept]) == RAW
        store().path(stored[lost]).unlink()  # a file gone from the store meanwhile
    finally:
        upgrade()
    db.session.expire_all()
    assert db.session.get(MessageSource, kept).raw == RAW
    assert db.session.get(MessageSource, lost) is None  # counted and logged, not fatal
    assert db.session.get(Message, lost) is not None
    assert "raw_sha256" not in {c["name"] for c in inspect(db.engine).get_columns("messages")}


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL's column compression")
def test_postgresql_compresses_sources_with_lz4_where_built_in(app: Flask) -> None:
    with db.engine.connect() as connection:
        built_in = connection.scalar(text(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
            "WHERE name = 'default_toast_compression'"))
        method = connection.scalar(text(
            "SELECT attcompression FROM pg_attribute "
            "WHERE attrelid = 'message_sources'::regclass AND attname = 'raw'"))
    assert method == ("l" if built_in else "")
