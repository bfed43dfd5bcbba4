"""keyed audit chain and case seals: events.key_id, cases.seal

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 14:40:00

Events written before this revision carry no key id and are reported by `caseflow audit
verify` as unverifiable: their unkeyed hashes prove nothing against someone who can write to
the database.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('events') as batch:
        batch.add_column(sa.Column('key_id', sa.String(length=16), nullable=True))
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('seal', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('cases') as batch:
        batch.drop_column('seal')
    with op.batch_alter_table('events') as batch:
        batch.drop_column('key_id')
