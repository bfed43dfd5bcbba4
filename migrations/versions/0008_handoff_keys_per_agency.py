"""Handoff idempotency keys are unique per sending agency, not across all agencies; the
demo's API token is marked (it works only in demo mode)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 18:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('handoffs', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_handoffs_idempotency_key'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_handoffs_from_agency_id_idempotency_key'),
                                          ['from_agency_id', 'idempotency_key'])
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('demo', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('demo')
    with op.batch_alter_table('handoffs', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_handoffs_from_agency_id_idempotency_key'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_handoffs_idempotency_key'),
                                          ['idempotency_key'])
