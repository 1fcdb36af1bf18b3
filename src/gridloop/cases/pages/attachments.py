"""The case page's files: upload photos or PDFs for a step, and photos attached to a lifecycle action's form."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse

from gridloop.cases.domain.attachments import AttachmentStep
from gridloop.cases.services import attachments as svc
from gridloop.kernel.errors import DomainError
from gridloop.kernel.org import Actor
from gridloop.platform.db.uow import UnitOfWork
from gridloop.platform.deps import ServiceDeps
from gridloop.platform.web.auth import PageActor, check_csrf, safe_next
from gridloop.platform.web.deps import DepsDep, IdPath, UowDep
from gridloop.platform.web.render import flash, lang_of

router = APIRouter(include_in_schema=False)

TEXT = {
    "files.title": ("照片与附件", "Photos and files"),
    "files.none": ("暂无照片或附件", "No photo or file yet"),
    "files.add": ("上传照片 / PDF", "Upload photos / PDF"),
    "files.step": ("环节", "Step"),
    "files.submit": ("上传", "Upload"),
    "files.done": ("已上传 {n} 个文件", "{n} file(s) uploaded"),
    "files.refused": ("文件未上传：{detail}", "File not uploaded: {detail}"),
    "files.photos": ("办理照片（可选）", "Photos of the work (optional)"),
    "files.gps": ("拍摄位置（仅内部可见）", "Where taken (staff only)"),
}


def words(lang: str) -> dict[str, str]:
    """The texts of the files box in the page language."""
    return {k: (v[0] if lang == "zh" else v[1]) for k, v in TEXT.items()}


def files_context(session: Any, actor: Actor, case_id: int, lang: str) -> dict[str, Any]:
    """What the case page's files box needs."""
    return {
        "attachments": [svc.attachment_to_dict(r, actor) for r in svc.list_attachments(session, actor, case_id)],
        "attachment_steps": [(s.value, s.label(lang)) for s in AttachmentStep],
        "files_t": words(lang),
    }


def store_uploads(
    request: Request,
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    files: list[UploadFile],
    *,
    step: str,
    deps: ServiceDeps,
) -> int:
    """Store every chosen file; the first refusal is flashed (with the service's words) and stops the rest."""
    stored = 0
    for f in files:
        if not f.filename:
            continue
        data = f.file.read(deps.attachments_max_bytes + 1)
        try:
            svc.add_attachment(
                uow,
                actor,
                case_id,
                svc.Upload(data=data, filename=f.filename, content_type=f.content_type, step=step),
                deps=deps,
            )
        except DomainError as exc:
            uow.rollback()
            detail = exc.errors[0].message if exc.errors else exc.detail
            flash(request, words(lang_of(request))["files.refused"].format(detail=detail), kind="error")
            return -1
        stored += 1
    return stored


@router.post("/cases/{case_id}/attachments")
def upload_files(
    request: Request,
    case_id: IdPath,
    actor: PageActor,
    uow: UowDep,
    deps: DepsDep,
    files: Annotated[list[UploadFile], File()],
    csrf: Annotated[str, Form(max_length=100)] = "",
    step: Annotated[str, Form(max_length=16)] = AttachmentStep.OTHER.value,
    next: Annotated[str, Form(max_length=500)] = "",
) -> RedirectResponse:
    """Upload one or more files to a step of the case, then go back to the case."""
    check_csrf(request, csrf)
    back = safe_next(next, f"/cases/{case_id}")
    n = store_uploads(request, uow, actor, case_id, files, step=step, deps=deps)
    if n >= 0:
        flash(request, words(lang_of(request))["files.done"].format(n=n))
    return RedirectResponse(f"{back}#files", status_code=303)
