"""path prefix indexes: PostgreSQL pattern operator class for area_path and unit_path

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (("ix_cases_area_path", "cases", "area_path"), ("ix_case_units_unit_path", "case_units", "unit_path"))


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite uses the plain index with PRAGMA case_sensitive_like=ON (set on every connection)
    for name, table, column in INDEXES:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, [column], postgresql_ops={column: "varchar_pattern_ops"})


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, table, column in INDEXES:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, [column])
