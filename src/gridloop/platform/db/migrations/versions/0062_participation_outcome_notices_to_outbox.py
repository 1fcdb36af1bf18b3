"""participation: outcome notices go through the shared outbox; their own table is dropped

Pending notices move to the outbox (channel `log`, the channel every installation has; the dispatcher delivers
them like any other message) before the table goes. Notices already handed over are history and are dropped.

Revision ID: 0062
Revises: 0061
Create Date: 2026-12-05 04:05:00
"""
from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gridloop.platform.db.types


revision: str = '0062'
down_revision: str | None = '0061'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOPIC = "participation_outcome"


def upgrade() -> None:
    conn = op.get_bind()
    notices = sa.table(
        "participation_outcome_notices", sa.column("id"), sa.column("suggestion_id"), sa.column("recipient"),
        sa.column("subject"), sa.column("body"), sa.column("payload", sa.JSON), sa.column("status"),
        sa.column("created_at", gridloop.platform.db.types.UTCDateTime()),
    )
    outbox = sa.table(
        "outbox", sa.column("message_id"), sa.column("channel"), sa.column("topic"), sa.column("payload", sa.JSON),
        sa.column("created_at", gridloop.platform.db.types.UTCDateTime()), sa.column("state"),
        sa.column("attempts"), sa.column("next_attempt_at", gridloop.platform.db.types.UTCDateTime()),
    )
    rows = conn.execute(sa.select(notices).where(notices.c.status == "pending").order_by(notices.c.id)).all()
    moved = [
        {
            "message_id": str(uuid.uuid4()), "channel": "log", "topic": TOPIC,
            "payload": {"kind": TOPIC, "title": r.subject, "body": r.body, "case_number": None, "unit_code": None,
                        "payload": {**(r.payload or {}), "suggestion_id": r.suggestion_id, "recipient": r.recipient}},
            "created_at": r.created_at, "state": "pending", "attempts": 0, "next_attempt_at": r.created_at,
        }
        for r in rows
    ]  # fmt: skip
    if moved:
        conn.execute(outbox.insert(), moved)
    with op.batch_alter_table("participation_outcome_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_participation_outcome_notices_suggestion_id"))
        batch_op.drop_index(batch_op.f("ix_participation_outcome_notices_status"))
    op.drop_table("participation_outcome_notices")


def downgrade() -> None:
    op.create_table(
        "participation_outcome_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("suggestion_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=120), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", gridloop.platform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("handed_over_at", gridloop.platform.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["participation_campaigns.id"],
            name=op.f("fk_participation_outcome_notices_campaign_id_participation_campaigns"),
        ),
        sa.ForeignKeyConstraint(
            ["suggestion_id"], ["participation_suggestions.id"],
            name=op.f("fk_participation_outcome_notices_suggestion_id_participation_suggestions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participation_outcome_notices")),
    )  # fmt: skip
    with op.batch_alter_table("participation_outcome_notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_participation_outcome_notices_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_participation_outcome_notices_suggestion_id"), ["suggestion_id"], unique=False
        )
