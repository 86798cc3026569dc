"""attachments that came with a mail without being sent (signature logos, digital
signatures) are marked, so that they never count as a customer's document

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 10:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # attachments stored before this revision were all counted: they keep counting
    op.add_column('attachments', sa.Column('incidental', sa.Boolean(), nullable=False,
                                           server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('attachments') as batch:
        batch.drop_column('incidental')
