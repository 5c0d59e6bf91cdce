"""public inquiries (comments on a Facebook Page) and standard replies fit for public use

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN on both databases (no batch copy: on SQLite that would drop
    # triggers); a constant default fills the existing rows.
    op.add_column('inquiries', sa.Column('public', sa.Boolean(), nullable=False,
                                         server_default=sa.false()))
    op.add_column('standard_replies', sa.Column('public', sa.Boolean(), nullable=False,
                                                server_default=sa.false()))


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35 and later): a batch copy of `inquiries` would
    # trip the foreign keys that point at it.
    op.execute('ALTER TABLE standard_replies DROP COLUMN public')
    op.execute('ALTER TABLE inquiries DROP COLUMN public')
