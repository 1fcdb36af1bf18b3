"""Attachment routes: upload (multipart), list, download and thumbnail of a case's files."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Header, Response, UploadFile

from gridloop.cases.domain.attachments import AttachmentStep
from gridloop.cases.services import attachments as svc
from gridloop.platform.web.deps import ActorDep, DepsDep, IdPath, SessionDep, UowDep

router = APIRouter(prefix="/api/v1/cases", tags=["attachments"])

_PROBLEM = {"application/problem+json": {"schema": {"type": "object"}}}
_FILE_TYPES = {
    "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
    "image/png": {"schema": {"type": "string", "format": "binary"}},
    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
}


def file_response(stored: svc.StoredFile) -> Response:
    """The bytes with our own type, no sniffing, a download name, and no scripts even if opened directly."""
    disposition = "inline" if stored.inline else "attachment"
    ascii_name = stored.filename.encode("ascii", "replace").decode().replace("?", "_")
    return Response(
        stored.data,
        media_type=stored.media_type,
        headers={
            "Content-Disposition": (
                f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(stored.filename)}"
            ),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, max-age=3600",
        },
    )


@router.post(
    "/{case_id}/attachments",
    status_code=201,
    summary="Attach a photo or PDF to a case step",
    responses={
        200: {"description": "A retry with the same Idempotency-Key: the file stored the first time"},
        413: {"description": "The file is larger than the limit", "content": _PROBLEM},
        415: {"description": "Not a JPEG/PNG/WebP image or a PDF", "content": _PROBLEM},
    },
)
def upload(
    case_id: IdPath,
    file: Annotated[UploadFile, File(description="A JPEG, PNG, WebP image or a PDF")],
    response: Response,
    uow: UowDep,
    actor: ActorDep,
    deps: DepsDep,
    step: Annotated[AttachmentStep, Form(description="The step the file documents")] = AttachmentStep.REPORT,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> dict[str, Any]:
    """Store a file: images are re-encoded without metadata and thumbnailed; the same key stores it once."""
    data = file.file.read(deps.attachments_max_bytes + 1)
    upload_ = svc.Upload(data=data, filename=file.filename, content_type=file.content_type, step=step.value)
    row, created = svc.add_attachment(uow, actor, case_id, upload_, deps=deps, idempotency_key=idempotency_key)
    if not created:
        response.status_code = 200
    response.headers["Location"] = f"/api/v1/cases/{case_id}/attachments/{row.id}"
    return svc.attachment_to_dict(row, actor)


@router.get("/{case_id}/attachments", summary="The files of a case")
def list_(case_id: IdPath, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """Every file of a case you may see, oldest first."""
    return {"items": [svc.attachment_to_dict(r, actor) for r in svc.list_attachments(session, actor, case_id)]}


@router.get(
    "/{case_id}/attachments/{attachment_id}",
    summary="Download a file",
    response_class=Response,
    responses={200: {"description": "The stored file", "content": _FILE_TYPES}},
)
def download(case_id: IdPath, attachment_id: IdPath, session: SessionDep, actor: ActorDep, deps: DepsDep) -> Response:
    """The stored file (our own re-encode for images)."""
    return file_response(svc.read_attachment(session, actor, case_id, attachment_id, deps=deps))


@router.get(
    "/{case_id}/attachments/{attachment_id}/thumbnail",
    summary="A small preview of an image",
    response_class=Response,
    responses={200: {"description": "A JPEG at most 320 px", "content": {"image/jpeg": _FILE_TYPES["image/jpeg"]}}},
)
def thumbnail(case_id: IdPath, attachment_id: IdPath, session: SessionDep, actor: ActorDep, deps: DepsDep) -> Response:
    """The thumbnail (the file itself for a PDF)."""
    return file_response(svc.read_attachment(session, actor, case_id, attachment_id, deps=deps, thumb=True))
