"""Attachments: photos and files of every case step, checked, re-encoded and stored behind the FileStore port.

Who may see a case may see its files; the camera's EXIF position is kept apart, for staff with personal-data
rights only, and never appears in the public view (`attachment_to_dict(public=True)`)."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gridloop.cases.domain.attachments import (
    ACCEPTED_TYPES,
    MAX_PER_CASE,
    UPLOADERS,
    AttachmentStep,
    looks_like_pdf,
    safe_filename,
)
from gridloop.cases.services.queries import get_case
from gridloop.cases.tables import CaseAttachmentRow
from gridloop.kernel.errors import (
    Conflict,
    FieldError,
    Forbidden,
    InvalidInput,
    NotFound,
    TooLarge,
    UnsupportedMedia,
)
from gridloop.kernel.org import Actor, Permission
from gridloop.platform.db.uow import UnitOfWork
from gridloop.platform.deps import ServiceDeps
from gridloop.platform.files import FileStore, FileStoreError
from gridloop.platform.images import ImageRejected, clean_image


@dataclass(frozen=True)
class Upload:
    """One uploaded file as the entry point received it."""

    data: bytes
    filename: str | None
    content_type: str | None
    step: str = AttachmentStep.REPORT.value


@dataclass(frozen=True)
class StoredFile:
    """Bytes to send back, with the headers they need."""

    data: bytes
    media_type: str
    filename: str
    inline: bool


def _store(deps: ServiceDeps) -> FileStore:
    if deps.files is None:
        raise Conflict("Attachments are not configured on this installation (GRIDLOOP_ATTACHMENTS_DIR).")
    return deps.files


def _parse_step(raw: str) -> AttachmentStep:
    try:
        step: AttachmentStep = AttachmentStep.parse(raw)
        return step
    except ValueError:
        allowed = ", ".join(s.value for s in AttachmentStep)
        raise InvalidInput("Unknown step.", errors=[FieldError("step", f"one of: {allowed}")]) from None


def check_upload(upload: Upload, *, max_bytes: int) -> None:
    """Size and declared type, before any decoding: 413, 415 or 422 with the field named."""
    if not upload.data:
        raise InvalidInput("The file is empty.", errors=[FieldError("file", "choose a photo or a PDF")])
    if len(upload.data) > max_bytes:
        raise TooLarge(
            f"The file has {len(upload.data):,} bytes; the limit is {max_bytes:,}.",
            errors=[FieldError("file", f"at most {max_bytes // (1024 * 1024)} MB")],
        )
    declared = (upload.content_type or "application/octet-stream").split(";")[0].strip().lower()
    if declared not in ACCEPTED_TYPES:
        raise UnsupportedMedia(
            f"Files of type {declared} are not accepted.",
            errors=[FieldError("file", "send a JPEG, PNG or WebP photo, or a PDF")],
        )


def add_attachment(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    upload: Upload,
    *,
    deps: ServiceDeps,
    idempotency_key: str | None = None,
) -> tuple[CaseAttachmentRow, bool]:
    """Check, clean and store one file on a case; a retry with the same key returns the first (created=False)."""
    session = uow.session
    step = _parse_step(upload.step)
    case = get_case(session, actor, case_id)
    if actor.role not in UPLOADERS:
        raise Forbidden(f"Role '{actor.role.value}' may not add files to cases.")
    if idempotency_key is not None:
        seen = session.scalar(
            select(CaseAttachmentRow).where(
                CaseAttachmentRow.case_id == case.id, CaseAttachmentRow.idempotency_key == idempotency_key
            )
        )
        if seen is not None:
            return seen, False
    check_upload(upload, max_bytes=deps.attachments_max_bytes)
    count = session.scalar(select(func.count()).where(CaseAttachmentRow.case_id == case.id)) or 0
    if count >= MAX_PER_CASE:
        raise Conflict(f"The case already has {MAX_PER_CASE} files.")
    store = _store(deps)
    stem = f"cases/{case.id}/{uuid.uuid4().hex}"
    gps: tuple[float, float] | None = None
    width = height = None
    thumb_key: str | None = None
    if looks_like_pdf(upload.data):
        data, media_type, ext = upload.data, "application/pdf", "pdf"
    else:
        try:
            img = clean_image(upload.data)
        except ImageRejected as exc:
            if exc.kind == "size":
                raise InvalidInput(str(exc), errors=[FieldError("file", str(exc))]) from None
            raise UnsupportedMedia(str(exc), errors=[FieldError("file", str(exc))]) from None
        data, media_type, ext = img.data, img.media_type, img.extension
        width, height, gps = img.width, img.height, img.gps
        thumb_key = f"{stem}.thumb.jpg"
        store.put(thumb_key, img.thumb)
    key = f"{stem}.{ext}"
    store.put(key, data)
    now = deps.clock.now()
    row = CaseAttachmentRow(
        case_id=case.id,
        step=step.value,
        media_type=media_type,
        filename=safe_filename(upload.filename, extension=ext),
        size=len(data),
        width=width,
        height=height,
        storage_key=key,
        thumb_key=thumb_key,
        sha256=hashlib.sha256(data).hexdigest(),
        gps_lng=gps[0] if gps else None,
        gps_lat=gps[1] if gps else None,
        idempotency_key=idempotency_key,
        uploaded_by_id=actor.user_id,
        uploaded_by_name=actor.username,
        uploaded_at=now,
    )
    try:
        with deps.write_lock:
            session.add(row)
            uow.commit()
    except IntegrityError:  # a concurrent retry with the same key won the race: answer with its file
        uow.rollback()
        store.delete(key)
        if thumb_key:
            store.delete(thumb_key)
        if idempotency_key is None:
            raise
        seen = session.scalar(
            select(CaseAttachmentRow).where(
                CaseAttachmentRow.case_id == case_id, CaseAttachmentRow.idempotency_key == idempotency_key
            )
        )
        if seen is None:
            raise
        return seen, False
    return row, True


def list_attachments(session: Session, actor: Actor, case_id: int) -> list[CaseAttachmentRow]:
    """The files of a case the actor may see, oldest first."""
    get_case(session, actor, case_id)
    return list(
        session.scalars(
            select(CaseAttachmentRow).where(CaseAttachmentRow.case_id == case_id).order_by(CaseAttachmentRow.id)
        ).all()
    )


def attachments_of(session: Session, case_ids: list[int]) -> dict[int, list[CaseAttachmentRow]]:
    """Files of several cases the caller already checked, in one query."""
    out: dict[int, list[CaseAttachmentRow]] = {i: [] for i in case_ids}
    if not case_ids:
        return out
    rows = session.scalars(
        select(CaseAttachmentRow).where(CaseAttachmentRow.case_id.in_(case_ids)).order_by(CaseAttachmentRow.id)
    )
    for row in rows:
        out[row.case_id].append(row)
    return out


def owner_case(session: Session, attachment_id: int) -> int | None:
    """The case an attachment belongs to (for entry points that check access by other means than scope)."""
    row = session.get(CaseAttachmentRow, attachment_id)
    return row.case_id if row is not None else None


def owner_of(session: Session, attachment_id: int) -> tuple[int, str] | None:
    """(case id, case number) of an attachment, for entry points that check access by other means than scope."""
    from gridloop.cases.tables import CaseRow

    row = session.execute(
        select(CaseRow.id, CaseRow.number)
        .join(CaseAttachmentRow, CaseAttachmentRow.case_id == CaseRow.id)
        .where(CaseAttachmentRow.id == attachment_id)
    ).first()
    return (int(row[0]), str(row[1])) if row is not None else None


def link_media_url(uow: UnitOfWork, case_id: int, url: str) -> None:
    """Record a public address of a case's file among its media links (Open311's media_url); commit."""
    from gridloop.cases.tables import CaseRow

    case = uow.session.get(CaseRow, case_id)
    if case is not None and url not in case.attachments:
        case.attachments = [*case.attachments, url]
        uow.commit()


def read_attachment(
    session: Session, actor: Actor, case_id: int, attachment_id: int, *, deps: ServiceDeps, thumb: bool = False
) -> StoredFile:
    """The bytes of one file (or its thumbnail) of a case the actor may see."""
    get_case(session, actor, case_id)
    row = session.get(CaseAttachmentRow, attachment_id)
    if row is None or row.case_id != case_id:
        raise NotFound(f"No attachment {attachment_id} on case {case_id}.")
    key = row.thumb_key if thumb and row.thumb_key else row.storage_key
    try:
        data = _store(deps).get(key)
    except FileStoreError:
        raise NotFound(f"The file of attachment {attachment_id} is missing from storage.") from None
    media = "image/jpeg" if thumb and row.thumb_key else row.media_type
    return StoredFile(data=data, media_type=media, filename=row.filename, inline=media.startswith("image/"))


def attachment_to_dict(row: CaseAttachmentRow, actor: Actor | None, *, public: bool = False) -> dict[str, Any]:
    """An attachment as JSON; the EXIF position only for staff who may see personal data, never in public."""
    base = f"/api/v1/cases/{row.case_id}/attachments/{row.id}"
    out: dict[str, Any] = {
        "id": row.id,
        "case_id": row.case_id,
        "step": row.step,
        "media_type": row.media_type,
        "filename": row.filename,
        "size": row.size,
        "width": row.width,
        "height": row.height,
        "uploaded_at": _iso(row.uploaded_at),
        "url": base,
        "thumbnail_url": f"{base}/thumbnail" if row.thumb_key else None,
    }
    if not public:
        out["uploaded_by"] = row.uploaded_by_name
        if actor is not None and actor.can(Permission.VIEW_PERSONAL_DATA) and row.gps_lng is not None:
            out["exif_position"] = {"lng": row.gps_lng, "lat": row.gps_lat, "crs": "wgs84"}
    return out


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
