"""console: indexes the console's pages read in order at 10 million cases (inbox by deadline, low-confidence tab,
active co-unit links; the queue's (status, received_at) is 0076's)

Revision ID: 0077
Revises: 0076
Create Date: 2026-12-05 15:20:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0077'
down_revision: str | None = '0076'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CO = sa.text("role = 'co' AND active")


def upgrade() -> None:
    op.create_index('ix_cases_status_confidence', 'cases', ['status', 'category_confidence'])
    op.create_index('ix_cases_due_at', 'cases', ['due_at'])
    op.create_index('ix_case_units_active_co', 'case_units', ['case_id'], postgresql_where=_CO, sqlite_where=_CO)


def downgrade() -> None:
    op.drop_index('ix_case_units_active_co', table_name='case_units')
    op.drop_index('ix_cases_due_at', table_name='cases')
    op.drop_index('ix_cases_status_confidence', table_name='cases')
