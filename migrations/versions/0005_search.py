"""full-text search index over messages and contact names

SQLite: FTS5 tables over messages (subject, text) and contacts (display_name),
kept in step by triggers, because messages are written both through the ORM
and through Core. PostgreSQL: a stored generated tsvector column on each table
with a GIN index. Both split text the same way (any run of characters that is
not a letter or digit separates words; case folded, æøå kept as they are), so
desk.search finds the same things on both. Existing rows are indexed here.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# table -> the columns whose words are indexed.
INDEXED = {'messages': ('subject', 'text'), 'contacts': ('display_name',)}
# Rows left out: automatic messages (our receipts and routing notices, citizens'
# out-of-office replies) would make every inquiry match words like "mottatt",
# and indexing the receipt would double the index's cost per incoming mail.
SKIPPED = {'messages': 'automatic'}


def upgrade():
    # A plain index for the prefix lookup of e-mail addresses and phone numbers;
    # text_pattern_ops lets PostgreSQL use it for LIKE 'prefix%' under any collation.
    with op.batch_alter_table('contact_identities', schema=None) as batch_op:
        batch_op.create_index('ix_contact_identities_value', ['value'], unique=False,
                              postgresql_ops={'value': 'text_pattern_ops'})
    for table, columns in INDEXED.items():
        if op.get_bind().dialect.name == 'postgresql':
            _postgresql_up(table, columns)
        else:
            _sqlite_up(table, columns)


def downgrade():
    for table in INDEXED:
        if op.get_bind().dialect.name == 'postgresql':
            op.drop_index(f'ix_{table}_search_vector', table_name=table)
            op.drop_column(table, 'search_vector')
        else:
            for trigger in ('insert', 'delete', 'update'):
                op.execute(f'DROP TRIGGER {table}_fts_{trigger}')
            op.execute(f'DROP TABLE {table}_fts_terms')
            op.execute(f'DROP TABLE {table}_fts')
    with op.batch_alter_table('contact_identities', schema=None) as batch_op:
        batch_op.drop_index('ix_contact_identities_value')


def _postgresql_up(table, columns):
    # 'simple' lower-cases and does no stemming: Norwegian (bokmål and nynorsk)
    # and English words are kept as written, like SQLite's tokenizer, and the
    # search's prefix matching finds the inflected forms ("søknad" finds
    # "søknaden"). The regexp turns e-mail addresses, references and hyphenated
    # words into plain words, as SQLite sees them. Stored, so a search that walks
    # the newest messages reads the vector instead of computing it for every row;
    # the ADD COLUMN computes it for the existing rows.
    document = " || ' ' || ".join(columns)
    vector = f"to_tsvector('simple', regexp_replace({document}, '[^[:alnum:]]+', ' ', 'g'))"
    if table in SKIPPED:
        vector = f"CASE WHEN {SKIPPED[table]} THEN NULL ELSE {vector} END"
    op.execute(
        f"ALTER TABLE {table} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
        f"({vector}) STORED"
    )
    op.execute(f'CREATE INDEX ix_{table}_search_vector ON {table} USING gin (search_vector)')


def _sqlite_up(table, columns):
    # unicode61 folds case; remove_diacritics 0 keeps æ, ø and å distinct letters
    # (with the default "søk" would also match "sok"). detail=none and
    # columnsize=0 keep only which rows hold a word: the search needs no phrases,
    # columns or ranking, and the smaller index is cheaper on every insert.
    names = ', '.join(columns)
    new = ', '.join(f'new.{c}' for c in columns)
    old = ', '.join(f'old.{c}' for c in columns)
    fts = f'{table}_fts'
    # A row the index never held must not be 'delete'd from it (that corrupts an
    # external-content index), so every trigger asks the same question.
    skipped = SKIPPED.get(table)
    indexed_new = f'WHEN NOT new.{skipped}' if skipped else ''
    indexed_old = f'WHEN NOT old.{skipped}' if skipped else ''
    op.execute(
        f"CREATE VIRTUAL TABLE {fts} USING fts5({names}, content='{table}', "
        f"content_rowid='id', tokenize='unicode61 remove_diacritics 0', "
        f"detail=none, columnsize=0)"
    )
    # An external-content index is told the old values to remove a row's words.
    op.execute(f"""
        CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} {indexed_new} BEGIN
            INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new});
        END""")
    op.execute(f"""
        CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} {indexed_old} BEGIN
            INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old});
        END""")
    # The automatic flag never changes after insert; were it to, the row would
    # have to be added or removed here too.
    op.execute(f"""
        CREATE TRIGGER {fts}_update AFTER UPDATE OF {names} ON {table} {indexed_old} BEGIN
            INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old});
            INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new});
        END""")
    # Not FTS5's 'rebuild', here or later: it would index the skipped rows too.
    where = f' WHERE NOT {skipped}' if skipped else ''
    op.execute(f"INSERT INTO {fts}(rowid, {names}) SELECT id, {names} FROM {table}{where}")
    # The index's words, for desk.search to turn a prefix into the words it
    # stands for (it stores nothing of its own).
    op.execute(f"CREATE VIRTUAL TABLE {fts}_terms USING fts5vocab({fts}, 'instance')")
