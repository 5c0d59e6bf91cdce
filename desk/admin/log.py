"""The rule every admin service follows: admins only, one transaction, one log entry."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk.access import PermissionDenied
from desk.database import transaction
from desk.extensions import db
from desk.models import AdminLogEntry, Role, User


@contextmanager
def admin_change(actor: User) -> Iterator[Session]:
    """A transaction for a change only an active administrator may make."""
    if not actor.active or actor.role is not Role.ADMIN:
        raise PermissionDenied(f"{actor.username} is not an administrator")
    with transaction() as session:
        yield session


def record(session: Session, actor: User, action: str, target: Any, **data: Any) -> None:
    """Log `action` on `target` (a model row, named "table:key", or a plain name)."""
    if hasattr(target, "__table__"):
        key = ",".join(str(v) for v in target.__mapper__.primary_key_from_instance(target))
        target = f"{target.__tablename__}:{key}"
    session.add(AdminLogEntry(actor_id=actor.id, action=action, target=str(target),
                              data={k: v for k, v in data.items() if v is not None}))


def recent(limit: int = 50) -> list[AdminLogEntry]:
    return list(db.session.scalars(
        select(AdminLogEntry).order_by(AdminLogEntry.at.desc(), AdminLogEntry.id.desc())
        .limit(limit)))
