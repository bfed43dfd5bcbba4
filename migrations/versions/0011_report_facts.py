"""Reports: a case's industry, the per-case facts the supervisor's measures read, their
additive tallies and the admin's report settings

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 05:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('industry', sa.String(length=32), nullable=True))
    op.create_index('ix_case_ip_rights_ip_right', 'case_ip_rights', ['ip_right_id'],
                    unique=False)
    op.create_table(
        'case_facts',
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('case_type', sa.String(length=64), nullable=False),
        sa.Column('officer_id', sa.Integer(), nullable=True),
        sa.Column('industry', sa.String(length=32), nullable=False),
        sa.Column('origin', sa.String(length=16), nullable=False),
        sa.Column('opened_year', sa.Integer(), nullable=False),
        sa.Column('closed_year', sa.Integer(), nullable=True),
        sa.Column('on_time', sa.Boolean(), nullable=True),
        sa.Column('handling_days', sa.Integer(), nullable=True),
        sa.Column('overdue_year', sa.Integer(), nullable=True),
        sa.Column('court_referral', sa.Boolean(), nullable=False),
        sa.Column('firm', sa.String(length=300), nullable=True),
        sa.Column('facts', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'],
                                name=op.f('fk_case_facts_case_id_cases')),
        sa.PrimaryKeyConstraint('case_id', name=op.f('pk_case_facts')),
    )
    op.create_index('ix_case_facts_closed', 'case_facts',
                    ['closed_year', 'agency_id', 'case_type'], unique=False)
    op.create_index('ix_case_facts_opened', 'case_facts',
                    ['opened_year', 'agency_id', 'case_type'], unique=False)
    op.create_index('ix_case_facts_officer', 'case_facts', ['officer_id', 'closed_year'],
                    unique=False)
    op.create_table(
        'report_tallies',
        sa.Column('measure', sa.String(length=16), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('case_type', sa.String(length=64), nullable=False),
        sa.Column('officer_id', sa.Integer(), nullable=False),
        sa.Column('industry', sa.String(length=32), nullable=False),
        sa.Column('origin', sa.String(length=16), nullable=False),
        sa.Column('bucket', sa.String(length=300), nullable=False),
        sa.Column('n', sa.BigInteger(), nullable=False),
        sa.Column('total', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('measure', 'year', 'agency_id', 'case_type', 'officer_id',
                                'industry', 'origin', 'bucket',
                                name=op.f('pk_report_tallies')),
    )
    op.create_index('ix_report_tallies_measure_n', 'report_tallies', ['measure', 'n'],
                    unique=False)
    op.create_table(
        'report_settings',
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('value', sa.Integer(), nullable=False),
        sa.Column('updated_by', sa.String(length=64), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_report_settings')),
    )
    # the facts and tallies of the cases already there, derived as the engine keeps them (a
    # database with none only records the layout); a later migration changing these tables
    # or the cases' must not rely on this backfill running against its schema
    from caseflow.services.report_data import rebuild, record_layout

    connection = op.get_bind()
    if connection.execute(sa.text("SELECT count(*) FROM cases")).scalar():
        rebuild(connection)
    else:
        record_layout(connection)


def downgrade() -> None:
    op.drop_table('report_settings')
    op.drop_index('ix_report_tallies_measure_n', table_name='report_tallies')
    op.drop_table('report_tallies')
    op.drop_index('ix_case_facts_officer', table_name='case_facts')
    op.drop_index('ix_case_facts_opened', table_name='case_facts')
    op.drop_index('ix_case_facts_closed', table_name='case_facts')
    op.drop_table('case_facts')
    op.drop_index('ix_case_ip_rights_ip_right', table_name='case_ip_rights')
    if op.get_bind().dialect.name == "sqlite":
        # SQLite (3.35+) drops a column in place; batch mode would copy the table, which
        # the other tables' foreign keys to cases forbid while they hold rows
        op.execute("ALTER TABLE cases DROP COLUMN industry")
    else:
        op.drop_column('cases', 'industry')
