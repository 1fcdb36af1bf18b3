"""Request bodies of the API (responses are plain dicts built by services/queries.py)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

from gridloop.cases.domain.intake import MAX_ADDRESS, MAX_TEXT, MAX_TITLE, control_characters, strip_terminal_codes
from gridloop.cases.domain.lifecycle import Channel, Crs, RequestType, Urgency


def _cleaned(value: object) -> object:
    """Terminal colour codes pasted into a complaint are cleaned away (other control characters are refused)."""
    return strip_terminal_codes(value) if isinstance(value, str) else value


def _no_controls(value: str) -> str:
    if control_characters(value) or any(ch in value for ch in "\r\n\t"):
        raise ValueError("contains control characters; remove them and send again")
    return value


def _no_controls_but_lines(value: str) -> str:
    if control_characters(value):
        raise ValueError("contains control characters; remove them and send again")
    return value


#: Free text (title, text, address, notes): terminal codes cleaned; NUL and other control characters refused.
FreeText = Annotated[str, BeforeValidator(_cleaned), AfterValidator(_no_controls_but_lines)]
#: One-line values (names, tags, codes): no control characters at all.
Line = Annotated[str, BeforeValidator(_cleaned), AfterValidator(_no_controls)]


class Reporter(BaseModel):
    """Who reported (personal data)."""

    model_config = ConfigDict(extra="forbid")
    name: Line | None = Field(default=None, max_length=100)
    phone: Line | None = Field(default=None, max_length=32)


class CaseIn(BaseModel):
    """A new report."""

    model_config = ConfigDict(extra="forbid")
    title: FreeText = Field(
        default="", max_length=MAX_TITLE, description="Short title; derived from the text if empty."
    )
    text: FreeText = Field(
        max_length=MAX_TEXT, description=f"What happened, in the citizen's words (≤ {MAX_TEXT:,} characters)."
    )
    channel: Channel = Channel.PHONE
    request_type: RequestType = RequestType.COMPLAINT
    urgency: Urgency | None = None
    category: Line | None = Field(default=None, max_length=64)
    lng: float | None = None
    lat: float | None = None
    crs: Crs | None = None
    address: FreeText | None = Field(default=None, max_length=MAX_ADDRESS)
    area_code: Line | None = Field(default=None, max_length=20, description="Area code when the client knows it.")
    reporter: Reporter = Field(default_factory=Reporter)
    attachments: list[Annotated[Line, Field(max_length=1000)]] = Field(default_factory=list, max_length=20)
    tags: list[Annotated[Line, Field(max_length=40)]] = Field(default_factory=list, max_length=20)
    reported_at: AwareDatetime | None = Field(
        default=None, description="When the citizen reported, with a time zone (not in the future, not before 2000)."
    )
    position_accuracy: float | None = Field(
        default=None, ge=0, le=100_000, description="Metres of uncertainty of (lng, lat), as the phone reported it."
    )
    resolve_on_spot: FreeText | None = Field(
        default=None,
        max_length=MAX_TEXT,
        description="Grid workers: what was done on the spot; the case is created closed (就地解决), not dispatched.",
    )


class ActionIn(BaseModel):
    """A lifecycle action and its inputs."""

    model_config = ConfigDict(extra="forbid")
    action: str = Field(description="One of the actions of GET /api/v1/lifecycle.")
    reason: FreeText | None = Field(default=None, max_length=5000)
    note: FreeText | None = Field(default=None, max_length=5000)
    unit: Line | None = Field(default=None, max_length=32)
    co_units: list[Annotated[Line, Field(max_length=32)]] = Field(default_factory=list, max_length=20)
    reply: FreeText | None = Field(default=None, max_length=5000)
    satisfaction: Line | None = Field(default=None, max_length=20)
    solved: bool | None = None
    parent: Line | None = Field(default=None, max_length=32)
    days: int | None = Field(default=None, ge=1, le=365)
