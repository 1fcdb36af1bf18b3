"""Migration 0062: pending outcome notices of the old table move to the shared outbox; the table goes."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, inspect, text

from gridloop.platform.db.migrate import upgrade


def test_pending_outcome_notices_move_to_the_outbox_and_their_table_is_dropped(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine, "0061")
    with engine.begin() as conn:
        insert = (
            "INSERT INTO participation_outcome_notices (suggestion_id, campaign_id, recipient, subject, body, payload,"
            " status, created_at) VALUES (7, 1, '13900001111', '您的建议办理结果', '办理结果：采纳。', :payload,"
            " :status, '2026-11-26 02:00:00.000000')"
        )
        payload = '{"receipt": "JY1"}'
        conn.execute(
            text(insert), [{"status": "pending", "payload": payload}, {"status": "handed_over", "payload": payload}]
        )
    upgrade(engine)
    assert "participation_outcome_notices" not in inspect(engine).get_table_names()
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT channel, topic, state, payload FROM outbox")).all()
    assert len(rows) == 1 and rows[0][:3] == ("log", "participation_outcome", "pending")
    assert '"recipient": "13900001111"' in rows[0][3] and '"receipt": "JY1"' in rows[0][3]
    engine.dispose()
