"""Notifications: the in-app notice centre, live updates (server-sent events), follows, preferences, SMS/WeChat."""
