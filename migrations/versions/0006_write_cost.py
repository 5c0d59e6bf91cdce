"""cheaper writes: automatic messages out of the GIN index; a redundant index dropped

Every incoming mail writes an inquiry, a message and usually a receipt. On
PostgreSQL the receipt's NULL search vector was still an entry in the GIN
index (GIN indexes NULLs), costing a pending-list insert and a metapage
update in the WAL for a row no search can find; the index now holds only
rows with a vector, which every search's `@@` implies. ix_inquiries_assignee_id
repeats the first column of ix_inquiries_assignee_created, which serves
lookups by assignee as well; every inquiry insert and queue-moving update
wrote both.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_inquiries_assignee_id', table_name='inquiries')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP INDEX ix_messages_search_vector')
        op.execute('CREATE INDEX ix_messages_search_vector ON messages USING gin (search_vector) '
                   'WHERE search_vector IS NOT NULL')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP INDEX ix_messages_search_vector')
        op.execute('CREATE INDEX ix_messages_search_vector ON messages USING gin (search_vector)')
    op.create_index('ix_inquiries_assignee_id', 'inquiries', ['assignee_id'], unique=False)
