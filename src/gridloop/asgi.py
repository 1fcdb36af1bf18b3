"""ASGI entry for process managers: `uvicorn gridloop.asgi:app` (settings from the environment)."""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    """Build the app on first access, not at import time."""
    if name == "app":
        from gridloop.bootstrap import create_app

        return create_app()
    raise AttributeError(name)
