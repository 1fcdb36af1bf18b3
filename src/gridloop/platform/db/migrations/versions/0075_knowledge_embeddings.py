"""knowledge: sentence embeddings of article texts (semantic re-ranking of search results)

Revision ID: 0075
Revises: 0072
Create Date: 2026-12-05 10:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gridloop.platform.db.types

revision: str = '0075'
down_revision: str | None = '0072'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'kb_embeddings',
        sa.Column('model', sa.String(length=60), nullable=False),
        sa.Column('text_key', sa.String(length=40), nullable=False),
        sa.Column('dim', sa.Integer(), nullable=False),
        sa.Column('vector', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', gridloop.platform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('model', 'text_key', name=op.f('pk_kb_embeddings')),
    )


def downgrade() -> None:
    op.drop_table('kb_embeddings')
