"""channels set up on the admin page: their stored settings, secrets encrypted

The running config merges these with the file's channels; a change is
announced by a new value of the `channel_setups.version` setting, which every
process reads cheaply to know when to read the set-ups again.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-12
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'channel_setups',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('display_name', sa.String(length=120), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('receipts', sa.Boolean(), nullable=False),
        sa.Column('options', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()),
                                                    'postgresql'), nullable=False),
        sa.Column('secrets', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_channel_setups_created_by_id_users')),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'],
                                name=op.f('fk_channel_setups_updated_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_channel_setups')),
        sa.UniqueConstraint('name', name=op.f('uq_channel_setups_name')),
    )
    # The version row exists from the start, so two first saves at once both update it.
    settings = sa.table('settings', sa.column('key', sa.String), sa.column('value', sa.Text),
                        sa.column('updated_at', sa.DateTime(timezone=True)))
    op.bulk_insert(settings, [{'key': 'channel_setups.version', 'value': 'initial',
                               'updated_at': datetime.now(UTC)}])


def downgrade():
    op.execute("DELETE FROM settings WHERE key = 'channel_setups.version'")
    op.drop_table('channel_setups')
