"""desk.database: the Core writes ingest and the outbox share, on SQLite and PostgreSQL."""

import pytest
from flask import Flask
from sqlalchemy import select

from desk.database import insert_rows_returning_ids, transaction
from desk.extensions import db
from desk.models import Message


def test_rows_naming_different_columns_go_in_one_insert_ids_in_order(
        app: Flask, make_inquiry) -> None:
    inquiry = make_inquiry()
    rows = [
        {"inquiry_id": inquiry.id, "direction": "inbound", "external_id": "a@x",
         "sender_name": "Kari", "html": "<p>hei</p>", "created_at": inquiry.created_at},
        {"inquiry_id": inquiry.id, "direction": "outbound", "external_id": "b@x",
         "send_state": "queued", "created_at": inquiry.created_at},
    ]
    with transaction() as session:
        ids = insert_rows_returning_ids(session, Message, rows)

    first, second = (db.session.get(Message, i) for i in ids)
    assert (first.external_id, first.sender_name, first.send_state) == ("a@x", "Kari", None)
    # Left out, as in a one-row INSERT: the column's default, else NULL.
    assert (second.external_id, second.sender_name, second.html) == ("b@x", "", None)
    assert second.text == "" and second.automatic is False


def test_a_computed_default_must_be_given(app: Flask, make_inquiry) -> None:
    inquiry = make_inquiry()
    with pytest.raises(ValueError, match=r"messages\.created_at"), transaction() as session:
        insert_rows_returning_ids(session, Message, [
            {"inquiry_id": inquiry.id, "direction": "inbound", "external_id": "c@x"},
            {"inquiry_id": inquiry.id, "direction": "inbound", "external_id": "d@x",
             "created_at": inquiry.created_at},
        ])
    assert db.session.scalar(select(Message.id).where(Message.external_id == "d@x")) is None
