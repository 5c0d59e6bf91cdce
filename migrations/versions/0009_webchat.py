"""web chat: chat sessions, the stream of their lines, and agents' chat availability

A citizen's chat is a session known by a token whose sha256 alone is stored;
its lines are numbered per session under the session row's lock, so a long
poll's cursor never skips a line that commits late. Agents' availability is a
row per agent whose `seen_at` their open page keeps fresh.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-10
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'chat_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('channel_id', sa.Integer(), nullable=False),
        sa.Column('public_id', sa.String(length=64), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('email', sa.String(length=320), nullable=True),
        sa.Column('language', sa.String(length=5), nullable=False),
        sa.Column('ip_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('active_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['channel_id'], ['channels.id'],
                                name=op.f('fk_chat_sessions_channel_id_channels')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_sessions')),
        sa.UniqueConstraint('public_id', name=op.f('uq_chat_sessions_public_id')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_chat_sessions_token_hash')),
    )
    op.create_index('ix_chat_sessions_ip_created', 'chat_sessions', ['ip_hash', 'created_at'])
    op.create_table(
        'chat_lines',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.Integer(), nullable=False),
        sa.Column('from_citizen', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['session_id'], ['chat_sessions.id'],
                                name=op.f('fk_chat_lines_session_id_chat_sessions'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['message_id'], ['messages.id'],
                                name=op.f('fk_chat_lines_message_id_messages'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_lines')),
        sa.UniqueConstraint('session_id', 'seq', name=op.f('uq_chat_lines_session_id_seq')),
        sa.UniqueConstraint('session_id', 'message_id',
                            name=op.f('uq_chat_lines_session_id_message_id')),
    )
    op.create_index(op.f('ix_chat_lines_message_id'), 'chat_lines', ['message_id'])
    op.create_table(
        'chat_availability',
        sa.Column('user_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('available', sa.Boolean(), nullable=False),
        sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_chat_availability_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_chat_availability')),
    )


def downgrade():
    op.drop_table('chat_availability')
    op.drop_index(op.f('ix_chat_lines_message_id'), table_name='chat_lines')
    op.drop_table('chat_lines')
    op.drop_index('ix_chat_sessions_ip_created', table_name='chat_sessions')
    op.drop_table('chat_sessions')
