"""Loading a row an admin form names, or a readable error."""

from typing import TypeVar

from sqlalchemy.orm import Session

from desk.errors import N_, ServiceError

T = TypeVar("T")


def get_or_fail(session: Session, model: type[T], key: object) -> T:
    row = session.get(model, key)
    if row is None:
        raise ServiceError(N_("It no longer exists; reload the page."))
    return row
