"""desk.database: the Core writes ingest and the outbox share, on SQLite and PostgreSQL."""

import pytest
from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from desk.database import (
    insert_row,
    insert_rows,
    insert_rows_returning_ids,
    is_postgres,
    together,
    transaction,
)
from desk.extensions import db
from desk.models import Event, Message, utcnow


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


def _event(inquiry_id: int, kind: str = "note_added") -> dict[str, object]:
    return {"inquiry_id": inquiry_id, "kind": kind, "at": utcnow(), "data": {}}


def test_inserts_together_are_written_with_the_transaction(app: Flask, make_inquiry) -> None:
    inquiry_id = make_inquiry().id
    with transaction() as session, together(session):
        insert_rows(session, Event, [_event(inquiry_id), _event(inquiry_id, "viewed")])
        insert_rows(session, Event, [_event(inquiry_id, "claimed")])
    kinds = db.session.scalars(select(Event.kind).where(Event.inquiry_id == inquiry_id))
    assert {"note_added", "viewed", "claimed"} <= {str(kind) for kind in kinds}


def test_on_postgresql_inserts_together_share_one_round_trip(app: Flask, make_inquiry) -> None:
    if not is_postgres():
        pytest.skip("SQLite has no round trips to share")
    inquiry_id = make_inquiry().id
    with transaction() as session:
        driver = session.connection().connection.driver_connection
        with together(session):
            insert_rows(session, Event, [_event(inquiry_id)])
            # psycopg's pipeline: the INSERT is queued, not yet answered.
            assert driver.pgconn.pipeline_status != 0
        assert driver.pgconn.pipeline_status == 0


@pytest.mark.parametrize("statement", ["select", "returning", "update"])
def test_only_inserts_without_returning_may_run_together(
        app: Flask, make_inquiry, statement: str) -> None:
    inquiry_id = make_inquiry().id
    with pytest.raises(RuntimeError, match="only INSERTs without RETURNING"), \
            transaction() as session, together(session):
        insert_rows(session, Event, [_event(inquiry_id, "claimed")])
        if statement == "select":
            session.execute(select(Event.id)).all()
        elif statement == "returning":
            insert_row(session, Event, **_event(inquiry_id))
        else:
            session.execute(update(Event).values(kind="viewed"))
    # Nothing of the transaction was kept.
    assert db.session.scalar(select(Event.id).where(Event.kind == "claimed")) is None


def test_a_failed_insert_together_raises_sqlalchemys_error_and_keeps_nothing(
        app: Flask, make_inquiry) -> None:
    inquiry_id = make_inquiry().id
    with pytest.raises(IntegrityError), transaction() as session, together(session):
        insert_rows(session, Event, [_event(inquiry_id, "claimed")])
        insert_rows(session, Event, [_event(inquiry_id + 1000)])  # no such inquiry
        insert_rows(session, Event, [_event(inquiry_id, "viewed")])
    assert db.session.scalars(select(Event.kind).where(
        Event.kind.in_(["claimed", "viewed"]))).all() == []
    # The connection is usable again.
    with transaction() as session, together(session):
        insert_rows(session, Event, [_event(inquiry_id, "claimed")])
    assert db.session.scalar(select(Event.kind).where(Event.kind == "claimed")) == "claimed"


def test_a_connection_lost_inside_together_is_raised_and_the_next_transaction_works(
        app: Flask, make_inquiry) -> None:
    if not is_postgres():
        pytest.skip("a server to lose")
    inquiry_id = make_inquiry().id
    with pytest.raises(OperationalError), transaction() as session:
        pid = session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with db.engine.connect() as other:
            other.exec_driver_sql(f"SELECT pg_terminate_backend({pid})")
            other.commit()
        with together(session):
            insert_rows(session, Event, [_event(inquiry_id, "claimed")])
    db.session.remove()
    with transaction() as session, together(session):
        insert_rows(session, Event, [_event(inquiry_id, "viewed")])
    assert db.session.scalar(select(Event.kind).where(Event.kind == "viewed")) == "viewed"
