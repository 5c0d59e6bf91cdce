"""what the desk noticed taking a message in: its fingerprint and intake notes

Mailers reuse Message-IDs, so a mail's fingerprint (a digest of the headers a
mailer writes anew for each mail) tells a re-fetch from another mail under the
same id. Intake notes say what the desk had to work around to take a message
in (no From, a reused Message-ID, a cut id), for the agent to see. Plain ADD
COLUMN on both databases: on SQLite a batch copy would lose the search triggers.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('messages', sa.Column('fingerprint', sa.String(length=64), nullable=True))
    op.add_column('messages', sa.Column('intake_notes', sa.Text(), nullable=True))


def downgrade():
    op.execute('ALTER TABLE messages DROP COLUMN intake_notes')
    op.execute('ALTER TABLE messages DROP COLUMN fingerprint')
