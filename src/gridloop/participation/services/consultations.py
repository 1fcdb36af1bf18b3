"""Public participation in decisions (决策公众参与): a draft published for comment with its documents,
representatives invited to a meeting, every opinion (online or spoken) answered by the drafting department,
the final record (each opinion beside its response and what changed), and thank-you letters."""

from __future__ import annotations

import difflib
from datetime import date, datetime, tzinfo
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridloop.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from gridloop.kernel.org import Actor, Role
from gridloop.kernel.text import clean_text
from gridloop.participation.domain.model import ConsultationStatus, OpinionSource, Outcome
from gridloop.participation.tables import (
    ConsultationRow,
    DraftVersionRow,
    MeetingRow,
    OpinionRow,
    RepresentativeRow,
)
from gridloop.platform.db.uow import UnitOfWork


def _get(session: Session, consultation_id: int) -> ConsultationRow:
    row = session.get(ConsultationRow, consultation_id)
    if row is None:
        raise NotFound(f"No consultation {consultation_id}.")
    return row


def _drafter(actor: Actor, row: ConsultationRow) -> None:
    if actor.role is not Role.ADMIN and actor.unit_id != row.drafting_unit_id:
        raise Forbidden("Only the drafting department does this.")


def _meeting(session: Session, meeting_id: int) -> tuple[MeetingRow, ConsultationRow]:
    meeting = session.get(MeetingRow, meeting_id)
    if meeting is None:
        raise NotFound(f"No meeting {meeting_id}.")
    return meeting, _get(session, meeting.consultation_id)


def _latest(session: Session, consultation_id: int) -> DraftVersionRow:
    row = session.scalar(
        select(DraftVersionRow)
        .where(DraftVersionRow.consultation_id == consultation_id)
        .order_by(DraftVersionRow.version.desc())
        .limit(1)
    )
    assert row is not None, "a consultation always has its first version"
    return row


def create(
    uow: UnitOfWork, actor: Actor, *, title: str, text: str, opens_on: date, closes_on: date, now: datetime,
    summary: str = "", documents: list[dict[str, str]] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """A draft decision (version 1) drafted by the actor's unit, not yet published."""
    if not title.strip() or not text.strip():
        raise InvalidInput("A draft needs a title and its text.")
    if closes_on < opens_on:
        raise InvalidInput("The comment period ends before it starts.")
    row = ConsultationRow(
        title=title.strip(), summary=summary, drafting_unit_id=actor.unit_id, opens_on=opens_on, closes_on=closes_on,
        documents=list(documents or []), status=ConsultationStatus.DRAFT.value, created_at=now,
    )  # fmt: skip
    uow.session.add(row)
    uow.session.flush()
    uow.session.add(DraftVersionRow(consultation_id=row.id, version=1, text=text, note="征求意见稿", created_at=now))
    uow.session.flush()
    result = public_view(uow.session, row.id, public=False)
    uow.commit()
    return result


_MOVES = {
    (ConsultationStatus.DRAFT, ConsultationStatus.OPEN),
    (ConsultationStatus.OPEN, ConsultationStatus.CLOSED),
}


def set_status(uow: UnitOfWork, actor: Actor, consultation_id: int, *, status: str) -> dict[str, Any]:
    """Publish (open) or close the comment period."""
    row = _get(uow.session, consultation_id)
    _drafter(actor, row)
    new = ConsultationStatus.parse(status)
    if (ConsultationStatus(row.status), new) not in _MOVES:
        raise Conflict(f"A consultation that is '{row.status}' cannot become '{new.value}'.")
    row.status = new.value
    result = public_view(uow.session, row.id, public=False)
    uow.commit()
    return result


def comment(
    uow: UnitOfWork, consultation_id: int, *, text: str, now: datetime, author_name: str = "", clause: str = "",
    source: str = "online",
) -> dict[str, Any]:  # fmt: skip
    """An online or written opinion while the draft is open for comment (no login for online)."""
    row = _get(uow.session, consultation_id)
    if row.status != ConsultationStatus.OPEN.value:
        raise Conflict("This draft is not open for comment.")
    chosen = OpinionSource.parse(source)
    if chosen is OpinionSource.MEETING:
        raise InvalidInput("Opinions spoken at a meeting are recorded by the meeting's secretary.")
    return _opinion(uow, row, source=chosen, text=text, author_name=author_name, clause=clause, now=now)


def _opinion(
    uow: UnitOfWork, row: ConsultationRow, *, source: OpinionSource, text: str, author_name: str, clause: str,
    now: datetime, meeting_id: int | None = None, representative_id: int | None = None,
) -> dict[str, Any]:  # fmt: skip
    body = clean_text(text)
    if len(body) < 2:
        raise InvalidInput("The opinion is empty.")
    op = OpinionRow(
        consultation_id=row.id, source=source.value, meeting_id=meeting_id, representative_id=representative_id,
        author_name=author_name.strip(), clause=clause.strip(), text=body, submitted_at=now,
    )  # fmt: skip
    uow.session.add(op)
    uow.session.flush()
    result = _opinion_dict(op)
    uow.commit()
    return result


def add_meeting(
    uow: UnitOfWork, actor: Actor, consultation_id: int, *, title: str, held_at: datetime, place: str = ""
) -> dict[str, Any]:
    """A meeting on the draft (e.g. the government's executive meeting with public representatives)."""
    row = _get(uow.session, consultation_id)
    _drafter(actor, row)
    meeting = MeetingRow(consultation_id=row.id, title=title.strip(), held_at=held_at, place=place)
    uow.session.add(meeting)
    uow.session.flush()
    result = {"id": meeting.id, "title": meeting.title, "held_at": held_at.isoformat(), "place": place}
    uow.commit()
    return result


def invite(
    uow: UnitOfWork, actor: Actor, meeting_id: int, *, name: str, now: datetime, affiliation: str = "",
    contact: str = "",
) -> dict[str, Any]:  # fmt: skip
    """Invite a public representative to the meeting."""
    meeting, row = _meeting(uow.session, meeting_id)
    _drafter(actor, row)
    rep = RepresentativeRow(meeting_id=meeting.id, name=name.strip(), affiliation=affiliation, contact=contact,
                            invited_at=now)  # fmt: skip
    uow.session.add(rep)
    uow.session.flush()
    result = _rep_dict(rep)
    uow.commit()
    return result


def confirm(uow: UnitOfWork, actor: Actor, representative_id: int, *, coming: bool, now: datetime) -> dict[str, Any]:
    """Record the representative's answer to the invitation."""
    rep = uow.session.get(RepresentativeRow, representative_id)
    if rep is None:
        raise NotFound(f"No representative {representative_id}.")
    _drafter(actor, _meeting(uow.session, rep.meeting_id)[1])
    rep.confirmed, rep.confirmed_at = coming, now
    result = _rep_dict(rep)
    uow.commit()
    return result


def attendance(uow: UnitOfWork, actor: Actor, meeting_id: int, *, present: list[int]) -> list[dict[str, Any]]:
    """Record who attended the meeting."""
    meeting, row = _meeting(uow.session, meeting_id)
    _drafter(actor, row)
    reps = list(uow.session.scalars(select(RepresentativeRow).where(RepresentativeRow.meeting_id == meeting.id)))
    for rep in reps:
        rep.attended = rep.id in present
    result = [_rep_dict(r) for r in reps]
    uow.commit()
    return result


def record_spoken(
    uow: UnitOfWork, actor: Actor, meeting_id: int, *, representative_id: int, text: str, now: datetime,
    clause: str = "",
) -> dict[str, Any]:  # fmt: skip
    """An opinion a representative spoke at the meeting (they must have attended)."""
    meeting, row = _meeting(uow.session, meeting_id)
    _drafter(actor, row)
    rep = uow.session.get(RepresentativeRow, representative_id)
    if rep is None or rep.meeting_id != meeting.id:
        raise NotFound(f"No representative {representative_id} at meeting {meeting_id}.")
    if not rep.attended:
        raise Conflict(f"{rep.name} is not recorded as attending; record attendance first.")
    return _opinion(uow, row, source=OpinionSource.MEETING, text=text, author_name=rep.name, clause=clause, now=now,
                    meeting_id=meeting.id, representative_id=rep.id)  # fmt: skip


def respond(
    uow: UnitOfWork, actor: Actor, opinion_id: int, *, outcome: str, response: str, now: datetime, change: str = ""
) -> dict[str, Any]:
    """The drafting department answers one opinion: outcome, response, and what changed in the text."""
    op = uow.session.get(OpinionRow, opinion_id)
    if op is None:
        raise NotFound(f"No opinion {opinion_id}.")
    _drafter(actor, _get(uow.session, op.consultation_id))
    chosen = Outcome.parse(outcome) if outcome in {o.value for o in Outcome} else None
    if chosen is None:
        raise InvalidInput(f"unknown outcome {outcome!r}")
    if not response.strip():
        raise InvalidInput("Every opinion gets a written response.")
    op.outcome, op.response, op.change, op.responded_at, op.responded_by = (
        chosen.value, response.strip(), change.strip(), now, actor.username
    )  # fmt: skip
    result = _opinion_dict(op)
    uow.commit()
    return result


def revise(uow: UnitOfWork, actor: Actor, consultation_id: int, *, text: str, note: str, now: datetime) -> int:
    """A new version of the draft's text after the opinions; returns its number."""
    row = _get(uow.session, consultation_id)
    _drafter(actor, row)
    version = _latest(uow.session, row.id).version + 1
    uow.session.add(DraftVersionRow(consultation_id=row.id, version=version, text=text, note=note, created_at=now))
    uow.commit()
    return version


def finalize(uow: UnitOfWork, actor: Actor, consultation_id: int) -> dict[str, Any]:
    """Close the record: every opinion must have its response."""
    row = _get(uow.session, consultation_id)
    _drafter(actor, row)
    open_ops = uow.session.scalar(
        select(func.count(OpinionRow.id)).where(OpinionRow.consultation_id == row.id, OpinionRow.outcome.is_(None))
    )
    if open_ops:
        raise Conflict(f"{open_ops} opinions have no response yet.")
    row.status = ConsultationStatus.FINAL.value
    result = final_record(uow.session, row.id)
    uow.commit()
    return result


def final_record(session: Session, consultation_id: int) -> dict[str, Any]:
    """Each opinion beside its response and change, the representatives, and the text's changes (v1 → latest)."""
    row = _get(session, consultation_id)
    versions = list(
        session.scalars(
            select(DraftVersionRow).where(DraftVersionRow.consultation_id == row.id).order_by(DraftVersionRow.version)
        )
    )
    ops = list(session.scalars(select(OpinionRow).where(OpinionRow.consultation_id == row.id).order_by(OpinionRow.id)))
    meetings = list(session.scalars(select(MeetingRow).where(MeetingRow.consultation_id == row.id)))
    reps = list(
        session.scalars(select(RepresentativeRow).where(RepresentativeRow.meeting_id.in_([m.id for m in meetings])))
    )
    diff = list(
        difflib.unified_diff(
            versions[0].text.splitlines(), versions[-1].text.splitlines(),
            f"v{versions[0].version}", f"v{versions[-1].version}", lineterm="",
        )
    )  # fmt: skip
    by_outcome = {o.value: sum(1 for op in ops if op.outcome == o.value) for o in Outcome}
    return {
        **public_view(session, row.id, public=False),
        "opinions": [_opinion_dict(op) for op in ops],
        "by_outcome": by_outcome,
        "representatives": [_rep_dict(r) for r in reps],
        "versions": [{"version": v.version, "note": v.note, "created_at": v.created_at.isoformat()} for v in versions],
        "text_changes": diff,
    }


def thank_you_letter(session: Session, representative_id: int, *, office: str, tz: tzinfo, today: date) -> str:
    """The thank-you letter to a representative who attended, naming the opinions they gave and their answers."""
    rep = session.get(RepresentativeRow, representative_id)
    if rep is None:
        raise NotFound(f"No representative {representative_id}.")
    meeting, row = _meeting(session, rep.meeting_id)
    if not rep.attended:
        raise Conflict(f"{rep.name} did not attend; no thank-you letter.")
    ops = session.scalars(select(OpinionRow).where(OpinionRow.representative_id == rep.id).order_by(OpinionRow.id))
    lines = [f"尊敬的{rep.name}：", "",
             f"    感谢您于{meeting.held_at.astimezone(tz):%Y年%m月%d日}列席{meeting.title}，"
             f"参与审议《{row.title}》并提出宝贵意见。"]  # fmt: skip
    for n, op in enumerate(ops, start=1):
        answer = Outcome(op.outcome).zh if op.outcome else "正在研究"
        lines.append(f"    意见{n}：{op.text}（办理情况：{answer}。{op.response}）")
    lines += [
        "    您的意见已认真研究吸纳。欢迎今后继续关心、参与政府决策。",
        "",
        f"{office:>30}",
        f"{today:%Y年%m月%d日}",
    ]
    return "\n".join(lines)


def public_view(session: Session, consultation_id: int, *, public: bool = True) -> dict[str, Any]:
    """The draft as the public sees it: title, summary, documents, period, current text, answered opinions."""
    row = _get(session, consultation_id)
    if public and row.status == ConsultationStatus.DRAFT.value:
        raise NotFound(f"No consultation {consultation_id}.")
    status = ConsultationStatus(row.status)
    latest = _latest(session, row.id)
    out: dict[str, Any] = {
        "id": row.id, "title": row.title, "summary": row.summary, "documents": row.documents,
        "opens_on": row.opens_on.isoformat(), "closes_on": row.closes_on.isoformat(), "status": status.value,
        "status_zh": status.zh, "version": latest.version, "text": latest.text,
    }  # fmt: skip
    if public:
        ops = session.scalars(
            select(OpinionRow).where(OpinionRow.consultation_id == row.id, OpinionRow.outcome.is_not(None))
        )
        out["answered_opinions"] = [_opinion_dict(op) for op in ops]
    return out


def _opinion_dict(op: OpinionRow) -> dict[str, Any]:
    return {
        "id": op.id, "source": op.source, "source_zh": OpinionSource(op.source).zh, "author": op.author_name,
        "clause": op.clause, "text": op.text, "submitted_at": op.submitted_at.isoformat(), "outcome": op.outcome,
        "outcome_zh": Outcome(op.outcome).zh if op.outcome else None, "response": op.response, "change": op.change,
    }  # fmt: skip


def _rep_dict(rep: RepresentativeRow) -> dict[str, Any]:
    return {"id": rep.id, "meeting_id": rep.meeting_id, "name": rep.name, "affiliation": rep.affiliation,
            "invited_at": rep.invited_at.isoformat(), "confirmed": rep.confirmed, "attended": rep.attended}  # fmt: skip


def list_consultations(session: Session) -> list[dict[str, Any]]:
    """Every consultation, the newest first, with how many opinions still wait for a response (staff console)."""
    waiting = dict(
        session.execute(
            select(OpinionRow.consultation_id, func.count(OpinionRow.id))
            .where(OpinionRow.outcome.is_(None))
            .group_by(OpinionRow.consultation_id)
        ).all()
    )
    rows = session.scalars(select(ConsultationRow).order_by(ConsultationRow.id.desc()))
    return [{"id": r.id, "title": r.title, "opens_on": r.opens_on.isoformat(), "closes_on": r.closes_on.isoformat(),
             "status": r.status, "status_zh": ConsultationStatus(r.status).zh,
             "waiting": int(waiting.get(r.id, 0))} for r in rows]  # fmt: skip
