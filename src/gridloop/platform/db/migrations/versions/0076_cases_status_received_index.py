"""cases: an index on (status, received_at) for duplicate search's window of open reports

Revision ID: 0076
Revises: 0075
Create Date: 2026-12-05 15:20:00
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0076'
down_revision: str | None = '0075'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_cases_status_received', 'cases', ['status', 'received_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_cases_status_received', table_name='cases')
