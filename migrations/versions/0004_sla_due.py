"""SLA due times on inquiries, and the open-queue indexes that sort by them

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23

Open inquiries that exist before this revision get no due time until their
next change (a reply, a new priority, reopening); `desk.sla.deadline()` is the
one place that computes it, and it needs the app's calendar, so the migration
does not backfill.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

OPEN_SQL = sa.text("status IN ('new', 'open', 'waiting')")
DUE_SQL = sa.text("due_at IS NOT NULL")


def upgrade():
    # A nullable column is a plain ALTER TABLE ... ADD COLUMN on SQLite too.
    with op.batch_alter_table('inquiries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_at', sa.DateTime(timezone=True), nullable=True))

    # Partial indexes of the open inquiries, as in 0002: the queue's open views read them.
    op.create_index('ix_inquiries_open_due', 'inquiries', ['due_at', 'id'], unique=False,
                    sqlite_where=OPEN_SQL, postgresql_where=OPEN_SQL)
    op.create_index('ix_inquiries_open_priority', 'inquiries', ['priority', 'created_at', 'id'],
                    unique=False, sqlite_where=OPEN_SQL, postgresql_where=OPEN_SQL)
    # Only open inquiries have a due time: the sort by it in the "all" view reads this.
    op.create_index('ix_inquiries_due', 'inquiries', ['due_at', 'id'], unique=False,
                    sqlite_where=DUE_SQL, postgresql_where=DUE_SQL)


def downgrade():
    op.drop_index('ix_inquiries_due', table_name='inquiries')
    op.drop_index('ix_inquiries_open_priority', table_name='inquiries')
    op.drop_index('ix_inquiries_open_due', table_name='inquiries')
    with op.batch_alter_table('inquiries', schema=None) as batch_op:
        batch_op.drop_column('due_at')
