"""citizen: public reports keep the hash of the sender's address (limits counted across processes)

Revision ID: 0072
Revises: 0060
Create Date: 2026-12-05 07:30:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0072'
down_revision: str | None = '0060'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('public_reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address_hash', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_public_reports_address_hash'), ['address_hash'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('public_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_public_reports_address_hash'))
        batch_op.drop_column('address_hash')
