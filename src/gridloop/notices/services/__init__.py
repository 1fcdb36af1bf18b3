"""Notifications' use cases: producing notices from case events, the notice centre, follows, preferences."""

from gridloop.notices.domain import NoticeChannel, NoticeKind

__all__ = ["NoticeChannel", "NoticeKind"]
