"""Sign-in for people: password hashes, sessions, sign-in attempts and lock-outs

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 17:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('password_hash', sa.String(length=255), nullable=True))
        batch.add_column(sa.Column('password_demo', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column('password_changed_at', sa.DateTime(), nullable=True))

    op.create_table(
        'sign_in_attempts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('username', sa.String(length=64), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('outcome', sa.String(length=16), nullable=False),
        sa.CheckConstraint("outcome IN ('ok', 'failed', 'refused')",
                           name=op.f('ck_sign_in_attempts_outcome')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_attempts')),
    )
    with op.batch_alter_table('sign_in_attempts') as batch:
        batch.create_index('ix_sign_in_attempts_address_at', ['address', 'at'], unique=False)
        batch.create_index('ix_sign_in_attempts_username_at', ['username', 'at'], unique=False)

    op.create_table(
        'sign_in_locks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('scope', sa.String(length=16), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('locked_at', sa.DateTime(), nullable=False),
        sa.Column('locked_until', sa.DateTime(), nullable=False),
        sa.CheckConstraint("scope IN ('account', 'address')",
                           name=op.f('ck_sign_in_locks_scope')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_locks')),
    )
    with op.batch_alter_table('sign_in_locks') as batch:
        batch.create_index('ix_sign_in_locks_scope_key', ['scope', 'key', 'locked_until'],
                           unique=False)

    op.create_table(
        'web_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('secret_sha256', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(), nullable=False),
        sa.Column('ended_at', sa.DateTime(), nullable=True),
        sa.Column('end_reason', sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_web_sessions_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_web_sessions')),
        sa.UniqueConstraint('secret_sha256', name=op.f('uq_web_sessions_secret_sha256')),
    )
    with op.batch_alter_table('web_sessions') as batch:
        batch.create_index(batch.f('ix_web_sessions_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('web_sessions') as batch:
        batch.drop_index(batch.f('ix_web_sessions_user_id'))
    op.drop_table('web_sessions')
    with op.batch_alter_table('sign_in_locks') as batch:
        batch.drop_index('ix_sign_in_locks_scope_key')
    op.drop_table('sign_in_locks')
    with op.batch_alter_table('sign_in_attempts') as batch:
        batch.drop_index('ix_sign_in_attempts_username_at')
        batch.drop_index('ix_sign_in_attempts_address_at')
    op.drop_table('sign_in_attempts')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('password_changed_at')
        batch.drop_column('password_demo')
        batch.drop_column('password_hash')
