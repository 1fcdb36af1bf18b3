"""console: a street's or grid's cases read per area unit in page order (PostgreSQL)

`ix_cases_area_path` keys (area_path, status, due_at, id) instead of carrying them as INCLUDE columns: the same
index-only prefix scans for counting a scope, and for one area unit (`area_path = …`) and one status the inbox's
cases come in deadline order. The new `ix_cases_area_received` (area_path, received_at, id) gives the case list
its newest-first order per area unit. On PostgreSQL both carry exercise_run_id (INCLUDE) so the drill filter reads
no table row. SQLite gets the same keys (models and migrations stay one schema), though it reads small scopes as a
set (cases/services/paging.py).

Revision ID: 0079
Revises: 0078
Create Date: 2026-12-05 20:40:00
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from alembic import op

revision: str = '0079'
down_revision: str | None = '0078'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AREA: dict[str, Any] = {'postgresql_ops': {'area_path': 'varchar_pattern_ops'}}


def upgrade() -> None:
    op.drop_index('ix_cases_area_path', table_name='cases')
    op.create_index(
        'ix_cases_area_path', 'cases', ['area_path', 'status', 'due_at', 'id'], **_AREA,
        postgresql_include=['exercise_run_id'],
    )
    op.create_index(
        'ix_cases_area_received', 'cases', ['area_path', 'received_at', 'id'], **_AREA,
        postgresql_include=['exercise_run_id'],
    )


def downgrade() -> None:
    op.drop_index('ix_cases_area_received', table_name='cases')
    op.drop_index('ix_cases_area_path', table_name='cases')
    op.create_index(
        'ix_cases_area_path', 'cases', ['area_path'], **_AREA,
        postgresql_include=['status', 'due_at', 'exercise_run_id', 'id'],
    )
