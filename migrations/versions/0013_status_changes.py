"""the SLA clock's pause while waiting on the citizen

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN on both databases, as in 0012: a batch copy of `inquiries` on
    # SQLite would drop its triggers and trip the foreign keys that point at it.
    op.add_column('inquiries', sa.Column('paused_at', sa.DateTime(timezone=True),
                                         nullable=True))
    op.add_column('inquiries', sa.Column('paused_seconds', sa.Integer(), nullable=False,
                                         server_default='0'))
    # An inquiry already waiting has no record of when it began to: its pause counts
    # from the upgrade, so no time before it is taken off the desk's account.
    now = datetime.now(UTC)
    if op.get_bind().dialect.name == 'sqlite':
        now = now.replace(tzinfo=None)  # stored naive UTC there (desk.models.base)
    inquiries = sa.table('inquiries', sa.column('status', sa.String),
                         sa.column('paused_at', sa.DateTime(timezone=True)))
    op.execute(inquiries.update().where(inquiries.c.status == 'waiting')
               .values(paused_at=now))


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35 and later), as in 0012.
    op.execute('ALTER TABLE inquiries DROP COLUMN paused_seconds')
    op.execute('ALTER TABLE inquiries DROP COLUMN paused_at')
