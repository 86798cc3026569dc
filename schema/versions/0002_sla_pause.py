"""the resolution clock stands still while the customer owes an answer

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 16:40:00
"""
from alembic import op
import sqlalchemy as sa

from daemon.db.types import UtcDateTime


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # tickets already waiting on the customer: their pause has no known start, so the
    # first sweep stops their clock from its own instant (sla_timers.follow_pause_setting)
    op.add_column('tickets', sa.Column('sla_paused_since', UtcDateTime(), nullable=True))
    op.add_column('tickets', sa.Column('sla_paused_seconds', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('tickets') as batch:
        batch.drop_column('sla_paused_seconds')
        batch.drop_column('sla_paused_since')
