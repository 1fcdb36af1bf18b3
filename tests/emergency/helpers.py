"""Helpers of the emergency API tests."""

from __future__ import annotations

from datetime import datetime

from gridloop.emergency.tables import WarningMessageRow

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"


def store_warning(container, *, identifier: str, sent_at: datetime, level: int = 2, msg_type: str = "Alert",  # type: ignore[no-untyped-def]
                  subject: str = "SH_MET", status: str = "Actual", references: str = "") -> None:  # fmt: skip
    """One stored CAP message (the XML is a stub: these tests read the facts, not the document)."""
    with container.uow() as uow:
        uow.session.add(
            WarningMessageRow(
                identifier=identifier, msg_type=msg_type, status=status, sent_at=sent_at, rule_id="rainstorm",
                subject=subject, event="暴雨", transition="issue", level=level, previous_level=0, value=60.0,
                unit="mm", cap_references=references,
                xml=f"<alert xmlns='{CAP_NS}'><identifier>{identifier}</identifier></alert>",
            )
        )  # fmt: skip
        uow.commit()
