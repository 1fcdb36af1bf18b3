"""console: the scope's index ranges answer from the index (PostgreSQL INCLUDE columns), so counting a district's
cases, or its assigned units' cases of one status, reads no table rows

`ix_cases_area_path` carries (status, due_at, exercise_run_id, id), `ix_case_units_unit_path` (active, case_id) and
`ix_cases_status_due` (id, exercise_run_id): the capped counts and the scope's parts become index-only scans.
SQLite keeps its indexes as they are (no INCLUDE there).

Revision ID: 0078
Revises: 0077
Create Date: 2026-12-05 18:10:00
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from alembic import op

revision: str = '0078'
down_revision: str | None = '0077'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AREA: dict[str, Any] = {'postgresql_ops': {'area_path': 'varchar_pattern_ops'}}
_UNIT: dict[str, Any] = {'postgresql_ops': {'unit_path': 'varchar_pattern_ops'}}
_COVER: dict[str, tuple[str, list[str], dict[str, Any], list[str]]] = {
    'ix_cases_area_path': ('cases', ['area_path'], _AREA, ['status', 'due_at', 'exercise_run_id', 'id']),
    'ix_case_units_unit_path': ('case_units', ['unit_path'], _UNIT, ['active', 'case_id']),
    'ix_cases_status_due': ('cases', ['status', 'due_at'], {}, ['id', 'exercise_run_id']),
}


def _recreate(*, covering: bool) -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for name, (table, columns, kw, include) in _COVER.items():
        op.drop_index(name, table_name=table)
        extra: dict[str, Any] = {'postgresql_include': include} if covering else {}
        op.create_index(name, table, columns, **kw, **extra)


def upgrade() -> None:
    _recreate(covering=True)


def downgrade() -> None:
    _recreate(covering=False)
