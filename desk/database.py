"""Database wiring that differs between SQLite and PostgreSQL, and the transaction rule."""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from flask import Flask
from sqlalchemy import event, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from desk.extensions import db


def init_app(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "before_cursor_execute", _only_appends_together)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the web app read while the worker writes; the busy timeout makes
    # a second writer wait instead of failing; SQLite enforces foreign keys
    # only when asked.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


@contextmanager
def transaction() -> Iterator[Session]:
    """One service call, one transaction: commit on success, roll back on any error.

    Services are the only code that commits; views, workers and the CLI call
    a service and never touch the session's transaction themselves.
    """
    # The scope's Session itself, not the scoped proxy, which looks up the app
    # context again on every call the service makes.
    session = db.session()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


# Set on a connection's info while `together` is open.
_TOGETHER = "desk.together"


@contextmanager
def together(session: Session) -> Iterator[None]:
    """Send the INSERTs made inside to the database together, in the session's transaction.

    For appends whose results nobody reads (a message's source and attachments,
    an outbox row, events): on PostgreSQL they go out in one round trip
    (psycopg's pipeline mode) instead of one each, and the block ends when the
    server has run them all. SQLite runs in-process, so there they simply run.
    Only INSERTs without RETURNING may run inside: a result read before the
    round trip would be empty, so anything else fails loudly, on both databases.
    An error of any INSERT is raised, as SQLAlchemy's error, when the block ends.
    """
    connection = session.connection()
    info = connection.info  # held: an invalidated connection would not hand it out again
    info[_TOGETHER] = True
    try:
        driver = connection.connection.driver_connection
        if not _can_pipeline(type(driver)):
            yield
            return
        dbapi_error = connection.dialect.loaded_dbapi.Error
        try:
            with driver.pipeline():
                yield
        except dbapi_error as exc:
            raise DBAPIError.instance(None, None, exc, dbapi_error) from exc
    finally:
        info.pop(_TOGETHER, None)


@cache
def _can_pipeline(driver: type) -> bool:
    # psycopg 3 on libpq 14 or later (its binary package brings one); SQLite and
    # other drivers run the statements one by one.
    if not hasattr(driver, "pipeline"):
        return False
    from psycopg import Pipeline  # only installed with PostgreSQL support

    return Pipeline.is_supported()


def _only_appends_together(connection: Any, _cursor: Any, statement: str, _parameters: Any,
                           context: Any, _executemany: bool) -> None:
    if connection.info.get(_TOGETHER) and not (
        context.isinsert and not context.compiled.effective_returning
    ):
        raise RuntimeError(f"only INSERTs without RETURNING may run inside together(): "
                           f"{statement[:80]}")


def is_postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def insert_on_conflict(table: Any) -> Any:
    """An INSERT for the database in use that takes `.on_conflict_do_nothing()` or
    `.on_conflict_do_update()`: both databases speak ON CONFLICT, with their own construct."""
    return (postgresql.insert if is_postgres() else sqlite.insert)(table)


def insert_row(session: Session, model: Any, **values: Any) -> int:
    """Append one row through Core in the session's transaction and return its id.

    For append-only rows (messages, events, outbox items): the unit of work's
    bookkeeping costs several times the INSERT itself. Nothing is flushed here:
    flush first when a value is the id of an object added to the session.
    """
    return session.connection().execute(_insert_returning_id(model), values).scalar_one()


@cache
def _insert_returning_id(model: Any) -> Any:
    # Built once per table: building the statement costs as much as running it.
    return insert(model.__table__).returning(model.__table__.c.id)


def insert_rows(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """Append several rows of one table through Core, in one executemany."""
    if rows:
        session.connection().execute(_insert(model), rows)


@cache
def _insert(model: Any) -> Any:
    # inline(): no RETURNING of the new ids, which nobody reads here (and which
    # `together` could not give before its round trip).
    return insert(model.__table__).inline()


def insert_rows_returning_ids(
    session: Session, model: Any, rows: list[dict[str, Any]]
) -> list[int]:
    """Append rows of one table in one multi-row INSERT; their ids, in the order given.

    The rows may name different columns: a column a row leaves out gets its
    default, as in a one-row INSERT. (One statement has one column list, so the
    blanks are filled here; a column whose default is computed must be given.)
    """
    table = model.__table__
    names = {name for row in rows for name in row}
    filled = [{name: row[name] if name in row else _default(table.c[name]) for name in names}
              for row in rows]
    result = session.connection().execute(_insert_returning_ids(model), filled)
    return list(result.scalars())


@cache
def _insert_returning_ids(model: Any) -> Any:
    return insert(model.__table__).returning(model.__table__.c.id, sort_by_parameter_order=True)


def _default(column: Any) -> Any:
    if column.server_default is not None or (column.default is not None
                                             and not column.default.is_scalar):
        raise ValueError(f"{column.table.name}.{column.name} has a computed default: "
                         "give it in every row")
    return column.default.arg if column.default is not None else None
