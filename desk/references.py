"""Human references (2026-004711): a counter per year, safe under concurrent ingest."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session

from desk.database import insert_on_conflict
from desk.models import ReferenceCounter

# A reference as it appears in a subject: "[2026-004711]", "Sak 2026-004711".
REFERENCE_PATTERN = re.compile(r"(?<![\d-])(20\d\d-\d{6})(?![\d-])")
_OSLO = ZoneInfo("Europe/Oslo")
# Built once: ingest takes a number for every new inquiry.
_BUMP = (
    update(ReferenceCounter)
    .where(ReferenceCounter.year == bindparam("of_year"))
    .values(last=ReferenceCounter.last + 1)
    .returning(ReferenceCounter.last)
)


def next_reference(session: Session, at: datetime) -> str:
    """Take the next number of `at`'s year (Norwegian local year) in this transaction.

    The row lock of the UPDATE serialises concurrent takers on PostgreSQL;
    SQLite serialises writers anyway. The insert makes the year's row the first
    time, with ON CONFLICT DO NOTHING so two first takers do not collide.
    """
    year = at.astimezone(_OSLO).year
    # Straight on the transaction's connection: the ORM has no object to keep in step.
    connection = session.connection()
    number = connection.execute(_BUMP, {"of_year": year}).scalar()
    if number is None:
        connection.execute(
            insert_on_conflict(ReferenceCounter).values(year=year, last=0).on_conflict_do_nothing()
        )
        number = connection.execute(_BUMP, {"of_year": year}).scalar_one()
    return f"{year}-{number:06d}"


def find_references(text: str) -> list[str]:
    return REFERENCE_PATTERN.findall(text or "")
