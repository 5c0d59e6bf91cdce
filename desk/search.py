"""Which inquiries match what someone typed in the search box, through indexes only.

- A reference ("2026-004711") is that inquiry alone, found by its unique index.
- Words are matched in message subjects and texts and in contact names, all
  words of a row (ANDed), each word also as a prefix ("søkn" finds "søknad").
  SQLite reads FTS5 tables (messages_fts, contacts_fts), PostgreSQL a
  generated tsvector column with a GIN index (search_vector); migration 0005
  builds both so that they split text into the same words.
- An e-mail address or phone number is matched as a prefix of a contact's
  normalised address (lower-cased e-mail, digits without +47).

What the user typed never reaches the database as query syntax: it is cut
into words here, and every word is quoted.

Everything stays inside the role scope, so a unit leader never finds another
unit's inquiry.
"""

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    Table,
    and_,
    column,
    func,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import to_tsquery

from desk.access import inquiry_scope
from desk.contacts import normalise_address
from desk.database import is_postgres
from desk.extensions import db
from desk.models import Contact, ContactIdentity, IdentityKind, Inquiry, Message, User

# A word as both indexes see one: a run of letters and digits (SQLite's
# unicode61 tokenizer, the regexp of migration 0005 on PostgreSQL).
_WORD = re.compile(r"[^\W_]+")
MAX_WORDS = 8
# Shorter words match whole: a one- or two-letter prefix would gather the
# lists of thousands of words.
MIN_PREFIX = 3
# A name or address shared by more contacts shows the inquiries of the newest.
MAX_CONTACTS = 100
# SQLite looks a prefix up as at most this many words (_fts5_word).
MAX_EXPANSION = 50
# PostgreSQL tests this many of the newest messages one by one (_through_messages).
RECENT_MESSAGES = 5_000
# A phone number as typed: digits with spaces, dashes, dots, brackets, a plus.
_PHONE = re.compile(r"\+?[\d\s().-]{5,}")


def find_inquiries(user: User, text: str, limit: int) -> set[int]:
    """Ids of inquiries `user` may see that match `text`, at most 2 × `limit`.

    At most `limit` found through contacts and `limit` through messages; the
    caller orders them and keeps the newest `limit`.
    """
    # NFC: "å" typed as a + ring is the indexed "å". PostgreSQL refuses NUL in text.
    text = unicodedata.normalize("NFC", text).replace("\0", "").strip()
    if not text:
        return set()
    # One probe of the unique index, whatever the text: no guessing at the format.
    found = db.session.scalar(
        select(Inquiry.id).where(Inquiry.reference == text, inquiry_scope(user)))
    if found is not None:
        return {found}
    terms = words(text)
    contacts = _contacts(text, terms)
    ids = set(db.session.scalars(
        select(Inquiry.id).where(Inquiry.contact_id.in_(contacts), inquiry_scope(user))
        .order_by(Inquiry.created_at.desc(), Inquiry.id.desc()).limit(limit)
    )) if contacts else set()
    if terms:
        ids.update(_through_messages(user, terms, limit))
    return ids


def words(text: str) -> list[str]:
    """The words of `text`, lower-cased, as the indexes split text into words."""
    return _WORD.findall(text.lower())[:MAX_WORDS]


@dataclass(frozen=True)
class _WordMatch:
    """How to find the rows of a table (messages, contacts) that hold every word."""

    source: FromClause  # what to select from
    key: ColumnElement[int]  # the row's id: the newest row has the highest
    indexed: ColumnElement[bool]  # the test, answered by the index
    row_by_row: ColumnElement[bool]  # the same test made on each row read


def _word_match(rows: Table, terms: list[str]) -> _WordMatch:
    # Words are letters and digits only, so quoting them leaves no syntax.
    if is_postgres():
        query = to_tsquery("simple", " & ".join(
            f"'{w}':*" if len(w) >= MIN_PREFIX else f"'{w}'" for w in terms))
        vector = literal_column(f"{rows.name}.search_vector")
        # The planner uses an index for the @@ operator, never for the function
        # behind it: ts_match_vq makes it test the rows it reads instead.
        return _WordMatch(rows, rows.c.id, vector.op("@@")(query),
                          func.ts_match_vq(vector, query))
    fts = table(f"{rows.name}_fts", column("rowid"), column(f"{rows.name}_fts"))
    query = " AND ".join(_fts5_word(fts.name, w) for w in terms)
    # The FTS5 table drives the join, so "ORDER BY rowid DESC LIMIT n" reads its
    # index backwards and stops early.
    matches = fts.c[fts.name].op("MATCH")(query)
    return _WordMatch(fts.join(rows, rows.c.id == fts.c.rowid), fts.c.rowid, matches, matches)


def _fts5_word(fts: str, word: str) -> str:
    """`word` in an FTS5 query: itself if short, else the indexed words it begins.

    FTS5 answers `"word"*` by first merging the row lists of all those words
    (90 ms for a word in each of a million messages); an OR of the words
    themselves is read lazily, newest first, and stops at the LIMIT.
    """
    if len(word) < MIN_PREFIX:
        return _quoted(word)
    # The {fts}_terms vocabulary lists the index's words in order, one row per
    # occurrence: each step skips to the next word (words hold no control
    # characters, so word || char(1) is just past every occurrence of it).
    found = db.session.scalars(text(f"""
        WITH RECURSIVE words(word) AS (
            SELECT (SELECT term FROM {fts}_terms
                    WHERE term >= :start AND term < :stop LIMIT 1)
            UNION ALL
            SELECT (SELECT term FROM {fts}_terms
                    WHERE term >= words.word || char(1) AND term < :stop LIMIT 1)
            FROM words WHERE words.word IS NOT NULL LIMIT :most)
        SELECT word FROM words WHERE word IS NOT NULL"""),
        {"start": word, "stop": word + "\U0010ffff", "most": MAX_EXPANSION + 1}).all()
    if len(found) > MAX_EXPANSION:
        return f"{_quoted(word)}*"  # so many words that FTS5's own merge is the lesser cost
    return f"({' OR '.join(map(_quoted, found or [word]))})"


def _quoted(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _through_messages(user: User, terms: list[str], limit: int) -> list[int]:
    """The first `limit` inquiries met going through the messages that hold every
    word, newest message first.

    Sorting all matches would read a million rows for "hei"; this stops as soon
    as it has enough, and reads few rows for a rare word.
    """
    match = _word_match(Message.__table__, terms)
    # The scope as a subquery per message, not a join: PostgreSQL, which can
    # overestimate a prefix's matches a thousandfold, would hash every inquiry
    # to join a handful of messages.
    visible = (select(Inquiry.id).where(Inquiry.id == Message.inquiry_id, inquiry_scope(user))
               .scalar_subquery().is_not(None))
    hits = select(match.key, Message.inquiry_id).select_from(match.source).where(visible)
    if not is_postgres():
        # FTS5 hands out its matches in rowid order: walk them until enough are found.
        return _walk(hits.where(match.indexed), match.key, limit)
    # A GIN index hands out its matches unordered, and PostgreSQL misjudges how
    # many rows a prefix matches, both ways: it would read a million messages one
    # by one for a rare word, or sort a hundred thousand index hits for a common
    # one. So the newest messages are tested one by one, a bounded cost that
    # finds the common words; only older ones are looked up in the index.
    boundary = (db.session.scalar(select(func.max(Message.id))) or 0) - RECENT_MESSAGES
    found = _walk(hits.where(match.row_by_row, match.key > boundary), match.key, limit)
    if len(found) < limit:
        # Grouped, not ordered by id, so the planner cannot walk the id index instead.
        found += db.session.scalars(
            select(Message.inquiry_id)
            .where(match.indexed, Message.id <= boundary, visible,
                   Message.inquiry_id.not_in(found))
            .group_by(Message.inquiry_id).order_by(func.max(Message.id).desc())
            .limit(limit - len(found)))
    return found


def _walk(hits: Select[tuple[int, int]], key: ColumnElement[int], limit: int) -> list[int]:
    """The first `limit` distinct inquiries of `hits` (message id, inquiry id), newest
    message first, read in growing batches: a common word stops after the first."""
    found: dict[int, None] = {}  # a set that keeps the order
    batch, before = limit * 2, None
    while True:
        page = hits if before is None else hits.where(key < before)
        rows = db.session.execute(page.order_by(key.desc()).limit(batch)).all()
        for _message_id, inquiry_id in rows:
            found[inquiry_id] = None
            if len(found) == limit:
                return list(found)
        if len(rows) < batch:
            return list(found)
        batch, before = batch * 4, rows[-1][0]


def _contacts(text: str, terms: list[str]) -> list[int]:
    """Contacts whose name holds every word, or whose address starts with `text`."""
    found: list[int] = []
    if terms:
        match = _word_match(Contact.__table__, terms)
        named = select(match.key.label("id")).select_from(match.source).where(match.indexed)
        if is_postgres():
            # The index first, then the newest of its rows: given ORDER BY id
            # the planner may test every contact in turn (see _through_messages).
            named = select(named.cte("named").prefix_with("MATERIALIZED"))
        newest = named.selected_columns.id.desc()
        found += db.session.scalars(named.order_by(newest).limit(MAX_CONTACTS))
    for address in _addresses(text):
        found += db.session.scalars(
            select(ContactIdentity.contact_id)
            .where(_starts_with(ContactIdentity.value, address)).limit(MAX_CONTACTS))
    return found


def _addresses(text: str) -> set[str]:
    """`text` normalised as the contact identities are, if it could be the start of one."""
    candidates = set()
    if not any(c.isspace() for c in text):
        candidates.add(normalise_address(IdentityKind.EMAIL, text))
    if _PHONE.fullmatch(text):
        candidates.add(normalise_address(IdentityKind.PHONE, text))
    return {c for c in candidates if len(c) >= MIN_PREFIX}


def _starts_with(value: ColumnElement[str], prefix: str) -> ColumnElement[bool]:
    if is_postgres():
        # LIKE 'prefix%' reads the text_pattern_ops index under any collation.
        return value.like(f"{escape_like(prefix)}%", escape="\\")
    # SQLite's LIKE ignores case and so cannot read a plain index; a range can.
    return and_(value >= prefix, value < prefix + "\U0010ffff")


def escape_like(text: str) -> str:
    """`text` with LIKE's wildcards taken literally (ESCAPE '\\')."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
