"""ASGI entry for process managers: `uvicorn gridloop.asgi:app` (settings from the environment)."""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    """Build the app on first access, not at import time; once (a server may look it up more than once, and each
    build would start its own triage worker process)."""
    if name == "app":
        from gridloop.bootstrap import build_container, create_app, insecure_key_refusal
        from gridloop.cases.jobs import keep_boards_ahead, start_pipeline

        container = build_container()
        refusal = insecure_key_refusal(container)
        if refusal:
            raise RuntimeError(refusal)
        app = create_app(container=container)
        start_pipeline(container)  # embedded triage workers, or the relay to JetStream (GRIDLOOP_NATS_URL)
        keep_boards_ahead(container, app)  # boards looked at are rebuilt before their minute is up
        globals()["app"] = app  # later lookups find it without coming here
        return app
    raise AttributeError(name)
