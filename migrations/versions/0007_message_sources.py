"""message sources in the database: a mail's raw bytes move out of the file store

An inbound message's source (a mail's bytes, kept for audit and replay) was a
file in the attachment store named by its sha256 in messages.raw_sha256. It is
now a row of message_sources, written in the message's own transaction and
erased with it, and a mail creates no file: storing one took 0.25-1.5 ms inside an
ingest run on a busy disk (bench/RESULTS.md).
Sources already stored are copied in; their files stay in the store
(attachments may share a name with one).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""
import logging

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

log = logging.getLogger('alembic.runtime.migration')

messages = sa.table('messages', sa.column('id', sa.Integer), sa.column('raw_sha256', sa.String))
sources = sa.table('message_sources', sa.column('message_id', sa.Integer),
                   sa.column('raw', sa.LargeBinary))
BATCH = 200


def upgrade():
    op.create_table(
        'message_sources',
        sa.Column('message_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('raw', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['message_id'], ['messages.id'],
                                name=op.f('fk_message_sources_message_id_messages'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('message_id', name=op.f('pk_message_sources')),
    )
    if _has_lz4():
        # Mostly text, some of it base64: lz4 compresses it at a fraction of the
        # CPU of the default pglz, which the server spent on every mail.
        op.execute('ALTER TABLE message_sources ALTER COLUMN raw SET COMPRESSION lz4')
    _copy_files_in()
    # SQLite drops a column in place since 3.35; Alembic's batch mode would copy
    # the table and lose its search triggers.
    op.execute('ALTER TABLE messages DROP COLUMN raw_sha256')


def downgrade():
    op.add_column('messages', sa.Column('raw_sha256', sa.String(length=64), nullable=True))
    _copy_rows_out()
    op.drop_table('message_sources')


def _has_lz4():
    """PostgreSQL 14 or later, built with lz4 (the setting lists only methods built in)."""
    connection = op.get_bind()
    return connection.dialect.name == 'postgresql' and bool(connection.scalar(sa.text(
        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")))


def _copy_files_in():
    from desk.attachments import store

    files, connection, missing = store(), op.get_bind(), 0
    query = sa.select(messages.c.id, messages.c.raw_sha256).where(
        messages.c.raw_sha256.is_not(None))
    for batch in _batches(connection, query, messages.c.id):
        rows = []
        for message_id, sha256 in batch:
            try:
                rows.append({'message_id': message_id, 'raw': files.read(sha256)})
            except (FileNotFoundError, ValueError):
                missing += 1
        if rows:
            connection.execute(sources.insert(), rows)
    if missing:
        log.warning('%d message sources were missing from the attachment store', missing)


def _copy_rows_out():
    from desk.attachments import store

    files, connection = store(), op.get_bind()
    query = sa.select(sources.c.message_id, sources.c.raw)
    for batch in _batches(connection, query, sources.c.message_id):
        connection.execute(
            messages.update().where(messages.c.id == sa.bindparam('m_id'))
            .values(raw_sha256=sa.bindparam('sha')),
            [{'m_id': message_id, 'sha': files.put(raw)} for message_id, raw in batch])


def _batches(connection, query, key):
    """The rows of `query` in batches, in the order of `key` (its first column),
    without holding a whole table's sources in memory."""
    last = 0
    while batch := connection.execute(query.where(key > last).order_by(key).limit(BATCH)).all():
        yield batch
        last = batch[-1][0]
