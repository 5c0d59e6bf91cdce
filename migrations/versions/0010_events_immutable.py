"""events are immutable in the database, not only through the ORM

Metrics and the audit trail are computed from events, so an event must never
change. The ORM refused it already; a Core UPDATE went through. A trigger
now refuses any UPDATE of an event on both databases. DELETE stays possible:
retention erases an inquiry's whole history with the inquiry.

On SQLite a batch migration of `events` (a table copy) drops the trigger:
such a migration must create it again.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

MESSAGE = 'events are immutable: write a new event instead'


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"""
            CREATE FUNCTION events_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
            END $$""")
        op.execute('CREATE TRIGGER events_immutable BEFORE UPDATE ON events '
                   'FOR EACH ROW EXECUTE FUNCTION events_immutable()')
    else:
        op.execute(f"""
            CREATE TRIGGER events_immutable BEFORE UPDATE ON events
            BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""")


def downgrade():
    op.execute('DROP TRIGGER events_immutable ON events'
               if op.get_bind().dialect.name == 'postgresql'
               else 'DROP TRIGGER events_immutable')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP FUNCTION events_immutable()')
