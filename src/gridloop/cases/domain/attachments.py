"""Attachment rules: the steps a file belongs to, the limits, and which files we accept."""

from __future__ import annotations

from gridloop.kernel.labels import LabeledEnum
from gridloop.kernel.org import Role


class AttachmentStep(LabeledEnum):
    """The step of the case a file documents."""

    REPORT = ("report", "上报照片", "Report")
    BEFORE = ("before", "处置前", "Before")
    AFTER = ("after", "处置后", "After")
    REPLY = ("reply", "办结材料", "Reply")
    OTHER = ("other", "其他", "Other")


#: Largest upload accepted, in bytes (the setting GRIDLOOP_ATTACHMENTS_MAX_BYTES may lower it).
MAX_BYTES = 10 * 1024 * 1024
#: Files per case.
MAX_PER_CASE = 40
#: Media types a client may declare; the stored type always comes from our own check/re-encode.
ACCEPTED_TYPES = frozenset(
    {"image/jpeg", "image/png", "image/webp", "image/gif", "image/bmp", "application/pdf", "application/octet-stream"}
)
#: Roles that may add files to a case they can see (analysts only read).
UPLOADERS = frozenset({Role.OPERATOR, Role.DISPATCHER, Role.HANDLER, Role.GRID_WORKER, Role.SUPERVISOR, Role.ADMIN})


def safe_filename(name: str | None, *, extension: str) -> str:
    """A display name without path parts or control characters, ending in the extension we stored."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>:|?*;').strip(". ")
    stem = base.rsplit(".", 1)[0][:80] if base else ""
    return f"{stem or 'file'}.{extension}"


def looks_like_pdf(data: bytes) -> bool:
    """Whether the bytes start like a PDF file and end with its trailer."""
    return data.startswith(b"%PDF-") and b"%%EOF" in data[-2048:]
