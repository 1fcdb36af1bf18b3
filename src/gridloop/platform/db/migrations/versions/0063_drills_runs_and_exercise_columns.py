"""drills: runs, their events, exercise_run_id on cases, incidents and warning messages

Revision ID: 0063
Revises: 0052
Create Date: 2026-12-05 03:45:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gridloop.platform.db.types

revision: str = '0063'
down_revision: str | None = '0066'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EXERCISE_TABLES = ('cases', 'emergency_incidents', 'emergency_warning_messages')


def upgrade() -> None:
    op.create_table('drill_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scenario_id', sa.String(length=64), nullable=False),
    sa.Column('scenario_version', sa.Integer(), nullable=False),
    sa.Column('scenario_text', sa.Text(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('mode', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('auto', sa.Boolean(), nullable=False),
    sa.Column('clock', sa.JSON(), nullable=False),
    sa.Column('participants', sa.JSON(), nullable=False),
    sa.Column('started_by', sa.String(length=64), nullable=False),
    sa.Column('started_at', gridloop.platform.db.types.UTCDateTime(), nullable=False),
    sa.Column('ended_at', gridloop.platform.db.types.UTCDateTime(), nullable=True),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drill_runs'))
    )
    with op.batch_alter_table('drill_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drill_runs_scenario_id'), ['scenario_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_drill_runs_started_at'), ['started_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_drill_runs_status'), ['status'], unique=False)

    op.create_table('drill_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('at', gridloop.platform.db.types.UTCDateTime(), nullable=False),
    sa.Column('sim_minutes', sa.Float(), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['drill_runs.id'], name=op.f('fk_drill_events_run_id_drill_runs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drill_events'))
    )
    with op.batch_alter_table('drill_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drill_events_run_id'), ['run_id'], unique=False)

    for table in EXERCISE_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('exercise_run_id', sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_{table}_exercise_run_id'), ['exercise_run_id'], unique=False)


def downgrade() -> None:
    for table in reversed(EXERCISE_TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_exercise_run_id'))
            batch_op.drop_column('exercise_run_id')
    with op.batch_alter_table('drill_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_drill_events_run_id'))
    op.drop_table('drill_events')
    with op.batch_alter_table('drill_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_drill_runs_status'))
        batch_op.drop_index(batch_op.f('ix_drill_runs_started_at'))
        batch_op.drop_index(batch_op.f('ix_drill_runs_scenario_id'))
    op.drop_table('drill_runs')
