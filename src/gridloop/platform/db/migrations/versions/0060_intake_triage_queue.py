"""intake: triage queue, triage status of a case

Revision ID: 0060
Revises: 0052
Create Date: 2026-12-05 03:50:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gridloop.platform.db.types


revision: str = '0060'
down_revision: str | None = '0067'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('triage_queue',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('enqueued_at', gridloop.platform.db.types.UTCDateTime(), nullable=False),
    sa.Column('available_at', gridloop.platform.db.types.UTCDateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('urgency_given', sa.Boolean(), nullable=False),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.Column('published_at', gridloop.platform.db.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id')
    )
    with op.batch_alter_table('triage_queue', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_triage_queue_available_at'), ['available_at'], unique=False)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('triage_status', sa.String(length=12), server_default='done', nullable=False))
        batch_op.add_column(sa.Column('triaged_at', gridloop.platform.db.types.UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_cases_triaged_at'), ['triaged_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_triaged_at'))
        batch_op.drop_column('triaged_at')
        batch_op.drop_column('triage_status')
    with op.batch_alter_table('triage_queue', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_triage_queue_available_at'))
    op.drop_table('triage_queue')
