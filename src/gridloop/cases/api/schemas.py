"""Request bodies of the API (responses are plain dicts built by services/queries.py)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from gridloop.cases.domain.lifecycle import Channel, Crs, RequestType, Urgency


class Reporter(BaseModel):
    """Who reported (personal data)."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=32)


class CaseIn(BaseModel):
    """A new report."""

    model_config = ConfigDict(extra="forbid")
    title: str = Field(default="", max_length=200, description="Short title; derived from the text if empty.")
    text: str = Field(max_length=20_000, description="What happened, in the citizen's words (≤ 10,000 characters).")
    channel: Channel = Channel.PHONE
    request_type: RequestType = RequestType.COMPLAINT
    urgency: Urgency | None = None
    category: str | None = Field(default=None, max_length=64)
    lng: float | None = None
    lat: float | None = None
    crs: Crs | None = None
    address: str | None = Field(default=None, max_length=500)
    area_code: str | None = Field(default=None, max_length=20, description="Area code when the client knows it.")
    reporter: Reporter = Field(default_factory=Reporter)
    attachments: list[str] = Field(default_factory=list, max_length=20)
    tags: list[str] = Field(default_factory=list, max_length=20)
    reported_at: datetime | None = None


class ActionIn(BaseModel):
    """A lifecycle action and its inputs."""

    model_config = ConfigDict(extra="forbid")
    action: str = Field(description="One of the actions of GET /api/v1/lifecycle.")
    reason: str | None = Field(default=None, max_length=5000)
    note: str | None = Field(default=None, max_length=5000)
    unit: str | None = Field(default=None, max_length=32)
    co_units: list[str] = Field(default_factory=list, max_length=20)
    reply: str | None = Field(default=None, max_length=5000)
    satisfaction: str | None = None
    solved: bool | None = None
    parent: str | None = Field(default=None, max_length=32)
    days: int | None = None
