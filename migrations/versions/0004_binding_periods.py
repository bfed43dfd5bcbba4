"""legal periods that bind: office hours, collective decisions, clock start basis

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 11:45:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('agencies') as batch:
        batch.add_column(sa.Column('office_closes_at', sa.String(length=5), nullable=False,
                                   server_default='17:00'))
    with op.batch_alter_table('clock_extensions') as batch:
        batch.add_column(sa.Column('decision', sa.JSON(), nullable=True))
    with op.batch_alter_table('clocks') as batch:
        batch.add_column(sa.Column('start_basis', sa.String(length=120), nullable=True))
        batch.add_column(sa.Column('party', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('clocks') as batch:
        batch.drop_column('party')
        batch.drop_column('start_basis')
    with op.batch_alter_table('clock_extensions') as batch:
        batch.drop_column('decision')
    with op.batch_alter_table('agencies') as batch:
        batch.drop_column('office_closes_at')
