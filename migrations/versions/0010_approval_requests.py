"""Approval requests: an officer asks for a clock's extension or a period's override, a
supervisor decides (the supervisor's queue)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 02:25:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'extension_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('clock_id', sa.Integer(), nullable=False),
        sa.Column('clock_name', sa.String(length=64), nullable=False),
        sa.Column('by', sa.String(length=32), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('requested_by', sa.String(length=64), nullable=False),
        sa.Column('requested_at', sa.DateTime(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('decided_by', sa.String(length=64), nullable=True),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.Column('decision_reason', sa.Text(), nullable=True),
        sa.Column('extension_id', sa.Integer(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.CheckConstraint("status IN ('pending', 'approved', 'refused', 'withdrawn')",
                           name=op.f('ck_extension_requests_status')),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'],
                                name=op.f('fk_extension_requests_case_id_cases')),
        sa.ForeignKeyConstraint(['clock_id'], ['clocks.id'],
                                name=op.f('fk_extension_requests_clock_id_clocks')),
        sa.ForeignKeyConstraint(['extension_id'], ['clock_extensions.id'],
                                name=op.f('fk_extension_requests_extension_id_clock_extensions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_extension_requests')),
    )
    op.create_index('ix_extension_requests_status_case', 'extension_requests',
                    ['status', 'case_id'], unique=False)
    op.create_index('uq_extension_requests_pending_clock', 'extension_requests', ['clock_id'],
                    unique=True, sqlite_where=sa.text("status = 'pending'"),
                    postgresql_where=sa.text("status = 'pending'"))
    op.create_table(
        'override_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('trigger', sa.String(length=64), nullable=False),
        sa.Column('state', sa.String(length=64), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('requested_by', sa.String(length=64), nullable=False),
        sa.Column('requested_at', sa.DateTime(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('decided_by', sa.String(length=64), nullable=True),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.Column('decision_reason', sa.Text(), nullable=True),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.CheckConstraint("status IN ('pending', 'approved', 'refused', 'withdrawn', 'used')",
                           name=op.f('ck_override_requests_status')),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'],
                                name=op.f('fk_override_requests_case_id_cases')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_override_requests')),
    )
    op.create_index('ix_override_requests_status_case', 'override_requests',
                    ['status', 'case_id'], unique=False)
    op.create_index('uq_override_requests_open_step', 'override_requests',
                    ['case_id', 'trigger'], unique=True,
                    sqlite_where=sa.text("status IN ('pending', 'approved')"),
                    postgresql_where=sa.text("status IN ('pending', 'approved')"))


def downgrade() -> None:
    op.drop_index('uq_override_requests_open_step', table_name='override_requests')
    op.drop_index('ix_override_requests_status_case', table_name='override_requests')
    op.drop_table('override_requests')
    op.drop_index('uq_extension_requests_pending_clock', table_name='extension_requests')
    op.drop_index('ix_extension_requests_status_case', table_name='extension_requests')
    op.drop_table('extension_requests')
