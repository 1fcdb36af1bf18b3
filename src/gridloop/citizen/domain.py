"""The public site's rules as tables: what residents see of a case's status, which categories are never listed
or may not be anonymous, how a point is blurred, and the proof-of-work that replaces a CAPTCHA."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from gridloop.kernel.labels import LabeledEnum


class PublicStatus(LabeledEnum):
    """A case's status as residents see it (the inner steps are the city's business)."""

    RECEIVED = ("received", "已受理", "Received", "#0ea5e9")
    IN_PROGRESS = ("in_progress", "办理中", "In progress", "#f59e0b")
    ANSWERED = ("answered", "已答复，待您确认", "Answered: please confirm", "#8b5cf6")
    CLOSED = ("closed", "已办结", "Closed", "#22c55e")
    NOT_ACCEPTED = ("not_accepted", "未受理", "Not accepted", "#64748b")


#: Internal status → what residents see; a literal table, like Open311's.
PUBLIC_STATUS: dict[str, PublicStatus] = {
    "received": PublicStatus.RECEIVED,
    "dispatched": PublicStatus.IN_PROGRESS,
    "return_review": PublicStatus.IN_PROGRESS,
    "signed": PublicStatus.IN_PROGRESS,
    "in_progress": PublicStatus.IN_PROGRESS,
    "suspended": PublicStatus.IN_PROGRESS,
    "coordinating": PublicStatus.IN_PROGRESS,
    "awaiting_review": PublicStatus.IN_PROGRESS,
    "awaiting_callback": PublicStatus.ANSWERED,
    "called_back": PublicStatus.ANSWERED,
    "closed": PublicStatus.CLOSED,
    "cancelled": PublicStatus.NOT_ACCEPTED,
    "merged": PublicStatus.IN_PROGRESS,
}


class Moderation(LabeledEnum):
    """Whether a report's text may be shown on the public list and map."""

    PENDING = ("pending", "待审核", "Pending")
    APPROVED = ("approved", "已公开", "Approved")
    REJECTED = ("rejected", "不公开", "Not shown")


class Feedback(LabeledEnum):
    """The resident's verdict on the reply."""

    CONFIRMED = ("confirmed", "已解决", "Fixed")
    DISPUTED = ("disputed", "未解决", "Not fixed")


#: Words in a category's code or name that make it private: such reports are never listed or mapped publicly.
PRIVATE_CATEGORY_WORDS = (
    "信访",
    "家庭",
    "婚姻",
    "家暴",
    "未成年",
    "心理",
    "医疗纠纷",
    "petition",
    "domestic",
    "family",
)
#: Words in a category's code or name for which a contact is required (the unit must reach the reporter).
CONTACT_REQUIRED_WORDS = ("劳动", "工资", "欠薪", "社保", "labour", "wage")


def is_private(category_code: str | None, category_name: str | None) -> bool:
    """Whether reports of this category stay off the public list and map."""
    text = f"{category_code or ''} {category_name or ''}".lower()
    return any(word in text for word in PRIVATE_CATEGORY_WORDS)


def needs_contact(category_code: str | None, category_name: str | None) -> bool:
    """Whether a report of this category must leave a phone number."""
    text = f"{category_code or ''} {category_name or ''}".lower()
    return any(word in text for word in CONTACT_REQUIRED_WORDS)


#: Degrees a public point is rounded to when no grid cell is known (≈ 500 m at Shanghai's latitude).
BLUR_DEGREES = 0.005


def blur(lng: float | None, lat: float | None) -> tuple[float | None, float | None]:
    """A point rounded to the blur grid (its cell's centre), never the exact place."""
    if lng is None or lat is None:
        return None, None
    step = BLUR_DEGREES

    def snap(v: float) -> float:
        return round((int(v / step) + 0.5) * step, 4)

    return snap(lng), snap(lat)


@dataclass(frozen=True)
class Challenge:
    """A proof-of-work puzzle: find a nonce so that SHA-256(f"{token}:{nonce}") starts with `bits` zero bits."""

    token: str  # "<issued unix seconds>.<random hex>.<hmac>"
    bits: int


def sign_challenge(secret: bytes, issued: int, salt: str) -> str:
    """The challenge token for an issue time and random salt, signed so the server keeps no state until use."""
    body = f"{issued}.{salt}"
    mac = hmac.new(secret, body.encode(), hashlib.sha256).hexdigest()[:32]
    return f"{body}.{mac}"


def check_challenge(secret: bytes, token: str, nonce: str, *, bits: int, now: int, max_age: int) -> str | None:
    """None when the token is ours, fresh and solved by the nonce; else why not."""
    parts = token.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or len(nonce) > 32 or not nonce.isalnum():
        return "malformed"
    expected = sign_challenge(secret, int(parts[0]), parts[1])
    if not hmac.compare_digest(expected, token):
        return "forged"
    if not 0 <= now - int(parts[0]) <= max_age:
        return "expired"
    digest = hashlib.sha256(f"{token}:{nonce}".encode()).digest()
    value = int.from_bytes(digest[:8], "big")
    if value >> (64 - bits) != 0:
        return "unsolved"
    return None
