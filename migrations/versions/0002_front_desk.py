"""front desk: standard replies, presence for collision warnings, queue indexes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

New message directions (notification) and event kinds (merged, split,
marked_spam, unit_notified) need no DDL: enums are stored as VARCHAR.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('standard_replies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body_nb', sa.Text(), nullable=False),
    sa.Column('body_nn', sa.Text(), nullable=False),
    sa.Column('body_en', sa.Text(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_standard_replies_category_id_categories')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_standard_replies'))
    )
    op.create_table('presence',
    sa.Column('inquiry_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('typing', sa.Boolean(), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['inquiry_id'], ['inquiries.id'], name=op.f('fk_presence_inquiry_id_inquiries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_presence_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('inquiry_id', 'user_id', name=op.f('pk_presence'))
    )
    with op.batch_alter_table('presence', schema=None) as batch_op:
        batch_op.create_index('ix_presence_inquiry_seen', ['inquiry_id', 'seen_at'], unique=False)

    with op.batch_alter_table('inquiries', schema=None) as batch_op:
        batch_op.create_index('ix_inquiries_assignee_created', ['assignee_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_inquiries_channel_created', ['channel_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_inquiries_created', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_inquiries_last_message', ['last_message_at', 'id'], unique=False)
        batch_op.create_index('ix_inquiries_unit_created', ['unit_id', 'created_at', 'id'], unique=False)

    # Partial indexes of the open inquiries, which the queue's open views read.
    open_sql = sa.text("status IN ('new', 'open', 'waiting')")
    for name, column in (('ix_inquiries_open_created', 'created_at'),
                         ('ix_inquiries_open_last_message', 'last_message_at')):
        op.create_index(name, 'inquiries', [column, 'id'], unique=False,
                        sqlite_where=open_sql, postgresql_where=open_sql)



def downgrade():
    op.drop_index('ix_inquiries_open_last_message', table_name='inquiries')
    op.drop_index('ix_inquiries_open_created', table_name='inquiries')
    with op.batch_alter_table('inquiries', schema=None) as batch_op:
        batch_op.drop_index('ix_inquiries_unit_created')
        batch_op.drop_index('ix_inquiries_last_message')
        batch_op.drop_index('ix_inquiries_created')
        batch_op.drop_index('ix_inquiries_channel_created')
        batch_op.drop_index('ix_inquiries_assignee_created')

    with op.batch_alter_table('presence', schema=None) as batch_op:
        batch_op.drop_index('ix_presence_inquiry_seen')

    op.drop_table('presence')
    op.drop_table('standard_replies')
