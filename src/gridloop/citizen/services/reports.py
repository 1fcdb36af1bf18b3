"""Residents' reports on the public site: submit (after a proof of work and within rate limits), follow by a
secret tracking link, confirm or dispute the fix, rate the reply; the public list and map (moderated text,
blurred points, private categories never shown); moderation by staff."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from limits import parse
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gridloop.cases.services import attachments, intake, lifecycle, steps
from gridloop.cases.services.queries import get_case
from gridloop.citizen.domain import (
    PUBLIC_STATUS,
    Challenge,
    Feedback,
    Moderation,
    PublicStatus,
    blur,
    check_challenge,
    is_private,
    needs_contact,
    sign_challenge,
)
from gridloop.citizen.tables import PublicReportRow, SpentChallengeRow
from gridloop.kernel.errors import DomainError, FieldError, InvalidInput, NotFound
from gridloop.kernel.org import Actor, Role
from gridloop.kernel.privacy import mask_personal_data
from gridloop.platform.db.uow import UnitOfWork
from gridloop.platform.deps import ServiceDeps
from gridloop.platform.org.tables import CategoryRow, UnitRow

#: Leading zero bits the browser must find (≈ 65,000 hashes: about a second on a phone, nothing for a person).
POW_BITS = 16
POW_MAX_AGE = 600
#: Reports one address / one device may send (moving windows over the reports stored, by any process).
ADDRESS_LIMITS = ("5/minute", "20/hour")
DEVICE_LIMITS = ("3/minute", "10/hour")
MAX_TEXT = 2000
#: Photos one public report may carry.
MAX_PHOTOS = 3
PHONE = re.compile(r"^1[3-9]\d{9}$|^0\d{2,3}-?\d{7,8}$")


class TooMany(DomainError):
    """This address or device sent too many reports (HTTP 429)."""

    title = "Too many reports"
    code = "too-many-attempts"

    def __init__(self, detail: str, *, retry_after: int = 60) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


def _allow(session: Session, *, address: str, device: str, now: datetime) -> bool:
    """Whether the address and the device (hashes) are within their moving windows, counted from the reports
    stored (by any process: the limits hold across API processes)."""
    windows = [(PublicReportRow.address_hash, address, parse(x)) for x in ADDRESS_LIMITS]
    windows += [(PublicReportRow.device_hash, device, parse(x)) for x in DEVICE_LIMITS]
    for column, key, item in windows:
        since = now - timedelta(seconds=item.get_expiry())
        sent = session.scalar(
            select(func.count()).select_from(PublicReportRow).where(column == key, PublicReportRow.created_at > since)
        )
        if int(sent or 0) >= item.amount:
            return False
    return True


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def new_challenge(secret: bytes, *, now: datetime) -> Challenge:
    """A fresh puzzle for the report form."""
    return Challenge(sign_challenge(secret, int(now.timestamp()), secrets.token_hex(8)), POW_BITS)


#: The account public reports are received and answered under (no password: nobody can log in as it).
SITE_USER = "public-site"


def site_actor(session: Session, *, now: datetime) -> Actor:
    """The public site's own account (an operator at the city root), made on first use in the caller's
    transaction; cases and audit events name it as their creator."""
    from gridloop.platform.org.services.org import actor_for
    from gridloop.platform.org.tables import UserRow

    user = session.scalars(select(UserRow).where(UserRow.username == SITE_USER)).first()
    if user is None:
        city = public_actor(session)
        user = UserRow(username=SITE_USER, display_name="公众网站", role=Role.OPERATOR.value, unit_id=city.unit_id,
                       password_hash=None, active=True, created_at=now)  # fmt: skip
        session.add(user)
        session.flush()
    return actor_for(user)


def public_actor(session: Session) -> Actor:
    """Who a public report is received and read as: the city's desk (an operator at the root; what residents see
    is shaped by this module, never the case as the desk sees it)."""
    city = session.scalars(select(UnitRow).where(UnitRow.parent_id.is_(None)).order_by(UnitRow.id)).first()
    if city is None:
        raise InvalidInput("暂未开放 / The city has not been set up yet.")
    return Actor(user_id=0, username="公众网站", role=Role.OPERATOR, unit_id=city.id, unit_path=city.path)


@dataclass(frozen=True)
class PublicForm:
    """What a resident submits."""

    text: str
    category: str = ""
    address: str = ""
    lng: float | None = None
    lat: float | None = None
    phone: str = ""
    name: str = ""
    anonymous: bool = False
    challenge: str = ""
    nonce: str = ""
    photos: tuple[attachments.Upload, ...] = ()


def _category(session: Session, code: str) -> CategoryRow | None:
    return session.get(CategoryRow, code) if code else None


def _check(session: Session, form: PublicForm) -> list[FieldError]:
    problems: list[FieldError] = []
    text = form.text.strip()
    if len(text) < 5:
        problems.append(FieldError("text", "请描述问题（至少5个字） / Describe the problem (5 characters or more)"))
    elif len(text) > MAX_TEXT:
        problems.append(FieldError("text", f"不超过{MAX_TEXT}字 / At most {MAX_TEXT} characters"))
    category = _category(session, form.category)
    if form.category and (category is None or not category.active):
        problems.append(FieldError("category", "请选择列表中的类别 / Choose a category from the list"))
    if (form.lng is None) != (form.lat is None) or (
        form.lng is not None and not (-180 <= form.lng <= 180 and -90 <= (form.lat or 0) <= 90)
    ):
        problems.append(FieldError("place", "位置无效 / Not a valid position"))
    if form.lng is None and len(form.address.strip()) < 2:
        problems.append(FieldError("place", "请在地图上选点或填写地址 / Pick the place on the map or type an address"))
    phone = form.phone.strip().replace(" ", "")
    if phone and not PHONE.match(phone):
        problems.append(FieldError("phone", "手机号或座机号格式不对 / Not a phone number"))
    contact_needed = category is not None and needs_contact(category.code, category.name_zh)
    if contact_needed and not phone:
        problems.append(
            FieldError("phone", "此类问题需要留下电话以便联系您 / This kind of problem needs a phone number")
        )
    elif not phone and not form.anonymous:
        problems.append(FieldError("phone", "请留下电话，或勾选匿名 / Leave a phone number or tick anonymous"))
    return problems


def _check_photos(form: PublicForm, *, deps: ServiceDeps) -> list[FieldError]:
    if len(form.photos) > MAX_PHOTOS:
        return [FieldError("photos", f"最多{MAX_PHOTOS}张照片 / At most {MAX_PHOTOS} photos")]
    for photo in form.photos:
        if not (photo.content_type or "").startswith("image/"):
            return [FieldError("photos", "只能上传照片 / Photos only")]
        try:
            attachments.check_upload(photo, max_bytes=deps.attachments_max_bytes)
        except DomainError as exc:
            return [FieldError("photos", exc.detail)]
    return []


def submit(
    uow: UnitOfWork, form: PublicForm, *, deps: ServiceDeps, secret: bytes, address: str, device: str, now: datetime
) -> tuple[str, str, list[str]]:
    """Receive a resident's report; returns (case number, tracking token, photo problems). The token is shown once
    and stored hashed. The report is committed before its photos are stored: a photo that fails later (an image
    that cannot be decoded) is reported back, never the loss of the report."""
    session = uow.session
    problems = _check(session, form) + _check_photos(form, deps=deps)
    why = check_challenge(
        secret, form.challenge, form.nonce, bits=POW_BITS, now=int(now.timestamp()), max_age=POW_MAX_AGE
    )
    if why is not None:
        problems.append(FieldError("challenge", "页面已过期，请重新提交 / The page expired: please submit again"))
    if problems:
        raise InvalidInput("请检查标出的项目 / Please check the marked fields", errors=problems)
    if not _allow(session, address=_hash(address), device=_hash(device), now=now):
        raise TooMany("提交过于频繁，请稍后再试 / Too many reports: try again later", retry_after=120)
    actor = site_actor(session, now=now)
    text = form.text.strip()
    data = intake.NewCase(
        text=text,
        title=text[:30],
        channel="web",
        request_type="complaint",
        category=form.category or None,
        lng=form.lng,
        lat=form.lat,
        crs="wgs84" if form.lng is not None else None,
        address=form.address.strip() or None,
        reporter_name=form.name.strip()[:50] or None,
        reporter_phone=form.phone.strip().replace(" ", "") or None,
        tags=["public"],
    )
    token = secrets.token_urlsafe(24)
    try:
        session.add(SpentChallengeRow(token=form.challenge[:120], spent_at=now))
        session.flush()
    except IntegrityError:
        session.rollback()
        raise InvalidInput(
            "此页面已提交过 / This form was already sent",
            errors=[FieldError("challenge", "此页面已提交过，请刷新 / Already sent: reload the page")],
        ) from None
    with deps.write_lock:
        case, _ = intake.create_case(session, actor, data, deps=deps)
        category = _category(session, case.category or "")
        lng, lat = blur(case.lng_wgs84, case.lat_wgs84)
        session.add(
            PublicReportRow(
                case_id=case.id,
                case_number=case.number,
                token_hash=_hash(token),
                device_hash=_hash(device),
                address_hash=_hash(address),
                public_text=mask_personal_data(text),
                category=case.category,
                private=is_private(case.category, category.name_zh if category else None),
                district_code=case.district_code,
                lng=lng,
                lat=lat,
                moderation=Moderation.PENDING.value,
                created_at=now,
            )
        )
        session.execute(delete(SpentChallengeRow).where(SpentChallengeRow.spent_at < now - timedelta(days=1)))
        uow.commit()
    case_id, number = case.id, case.number
    photo_problems: list[str] = []
    for i, photo in enumerate(form.photos):
        try:
            attachments.add_attachment(
                uow, actor, case_id, photo, deps=deps, idempotency_key=f"public-{token[:12]}-{i}"
            )
        except DomainError as exc:
            uow.rollback()
            photo_problems.append(f"{photo.filename or i + 1}: {exc.detail}")
    return number, token, photo_problems


def photos_of(session: Session, case_id: int) -> list[int]:
    """The ids of a public report's photos (report step, images only)."""
    rows = attachments.list_attachments(session, public_actor(session), case_id)
    return [r.id for r in rows if r.media_type.startswith("image/")]


def public_photo(session: Session, attachment_id: int, *, deps: ServiceDeps, token: str | None = None) -> Any:
    """A thumbnail the public may see: of the resident's own report (by its link), or of an approved report that is
    not in a private category. EXIF never leaves: stored images are our own re-encode without metadata."""
    from gridloop.cases.services.attachments import owner_case

    case_id = owner_case(session, attachment_id)
    row = (
        session.scalars(select(PublicReportRow).where(PublicReportRow.case_id == case_id)).first() if case_id else None
    )
    allowed = row is not None and (
        (token is not None and row.token_hash == _hash(token))
        or (token is None and row.moderation == Moderation.APPROVED.value and not row.private)
    )
    if row is None or not allowed or case_id is None:
        raise NotFound("没有这张照片 / No such photo")
    return attachments.read_attachment(session, public_actor(session), case_id, attachment_id, deps=deps, thumb=True)


def _by_token(session: Session, token: str) -> PublicReportRow:
    row = (
        session.scalars(select(PublicReportRow).where(PublicReportRow.token_hash == _hash(token))).first()
        if token
        else None
    )
    if row is None:
        raise NotFound("没有找到这个跟踪链接 / No report with this tracking link")
    return row


def track(session: Session, token: str) -> dict[str, Any]:
    """What the resident sees of their report: number, public status, the unit's reply, their feedback."""
    row = _by_token(session, token)
    case = get_case(session, public_actor(session), row.case_id)
    status = PUBLIC_STATUS.get(case.status, PublicStatus.IN_PROGRESS)
    replied = case.reply_text if case.status in ("awaiting_callback", "called_back", "closed") else None
    return {
        "number": case.number,
        "status": status,
        "received_at": case.received_at,
        "text": row.public_text,
        "reply": mask_personal_data(replied) if replied else None,
        "replied_at": case.replied_at,
        "can_confirm": case.status == "awaiting_callback" and row.feedback is None,
        "feedback": Feedback(row.feedback) if row.feedback else None,
        "rating": row.rating,
        "moderation": Moderation(row.moderation),
        "photos": photos_of(session, row.case_id),
    }


def give_feedback(
    uow: UnitOfWork, token: str, *, verdict: str, rating: int | None, note: str, deps: ServiceDeps, now: datetime
) -> None:
    """The resident confirms or disputes the fix: their answer is the case's callback (满意/不满意), so a dispute
    goes back through the normal review (重办 or close by the desk); the rating is kept with it."""
    session = uow.session
    row = _by_token(session, token)
    problems: list[FieldError] = []
    try:
        feedback = Feedback.parse(verdict)
    except InvalidInput:
        problems.append(FieldError("verdict", "请选择已解决或未解决 / Choose fixed or not fixed"))
        feedback = None
    if rating is not None and not 1 <= rating <= 5:
        problems.append(FieldError("rating", "评分为1到5 / A rating from 1 to 5"))
    if len(note) > 500:
        problems.append(FieldError("note", "不超过500字 / At most 500 characters"))
    if problems or feedback is None:
        raise InvalidInput("请检查标出的项目 / Please check the marked fields", errors=problems)
    if row.feedback is not None:
        raise InvalidInput("您已经反馈过 / You already answered")
    case_status = get_case(session, public_actor(session), row.case_id).status
    if case_status != "awaiting_callback":
        raise InvalidInput("答复后才能确认 / You can confirm once the case has been answered")
    fixed = feedback is Feedback.CONFIRMED
    desk = site_actor(session, now=now)
    note_text = mask_personal_data(note.strip())[:500]
    request = steps.ActionRequest(
        action="callback",
        satisfaction="satisfied" if fixed else "dissatisfied",
        solved=fixed,
        note=("市民在线确认：" if fixed else "市民在线反馈未解决：") + note_text,
    )
    with deps.write_lock:
        lifecycle.perform(session, desk, row.case_id, request, deps=deps)
        row.feedback, row.feedback_at, row.rating = feedback.value, now, rating
        row.feedback_note = note_text or None
        uow.commit()


def nearby(session: Session, *, district: str | None, limit: int = 100) -> list[dict[str, Any]]:
    """Recent public reports: approved text only, blurred points, private categories never."""
    stmt = (
        select(PublicReportRow)
        .where(PublicReportRow.moderation == Moderation.APPROVED.value, PublicReportRow.private.is_(False))
        .order_by(PublicReportRow.created_at.desc())
        .limit(limit)
    )
    if district:
        stmt = stmt.where(PublicReportRow.district_code == district)
    rows = list(session.scalars(stmt))
    names = dict(session.execute(select(CategoryRow.code, CategoryRow.name_zh)).all())
    return [{**_public_item(r, names), "photos": photos_of(session, r.case_id)} for r in rows]


def _public_item(row: PublicReportRow, names: dict[str, str]) -> dict[str, Any]:
    return {
        "number": row.case_number,
        "text": row.public_text[:120],
        "category": names.get(row.category or "", ""),
        "lng": row.lng,
        "lat": row.lat,
        "created_at": row.created_at,
    }


def moderation_queue(session: Session, *, limit: int = 100) -> list[PublicReportRow]:
    """Reports whose public text waits for a moderator, oldest first."""
    return list(
        session.scalars(
            select(PublicReportRow)
            .where(PublicReportRow.moderation == Moderation.PENDING.value)
            .order_by(PublicReportRow.created_at)
            .limit(limit)
        )
    )


def disputed(session: Session, *, limit: int = 100) -> list[PublicReportRow]:
    """Reports whose resident said "not fixed", newest first (they are also in the desk's callback review)."""
    return list(
        session.scalars(
            select(PublicReportRow)
            .where(PublicReportRow.feedback == Feedback.DISPUTED.value)
            .order_by(PublicReportRow.feedback_at.desc())
            .limit(limit)
        )
    )


def moderate(uow: UnitOfWork, report_id: int, *, decision: str, by: str, text: str | None, now: datetime) -> None:
    """Approve (optionally with an edited public text) or reject a report's public text."""
    row = uow.session.get(PublicReportRow, report_id)
    if row is None:
        raise NotFound(f"no public report {report_id}")
    choice = Moderation.parse(decision)
    if choice is Moderation.PENDING:
        raise InvalidInput("decide approved or rejected", errors=[FieldError("decision", "approved | rejected")])
    if text is not None and text.strip():
        row.public_text = mask_personal_data(text.strip())[:MAX_TEXT]
    row.moderation, row.moderated_by, row.moderated_at = choice.value, by[:100], now
    uow.commit()
