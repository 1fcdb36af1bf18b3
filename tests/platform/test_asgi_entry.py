"""`uvicorn gridloop.asgi:app`: the app is built once per process, however often the server looks it up (uvicorn
looks it up twice: once to check the import, once to serve). Each build starts its own embedded triage worker
process, so a second build meant two workers (and two containers) per API process."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest


def test_the_asgi_app_is_built_once_however_often_it_is_looked_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'asgi.db'}"
    monkeypatch.setenv("GRIDLOOP_DATABASE_URL", url)
    monkeypatch.setenv("GRIDLOOP_TRIAGE_WORKER_MODE", "none")
    monkeypatch.setenv("GRIDLOOP_SECRET_KEY", "a-test-key-that-is-long-enough-for-the-check-0123456789")

    from gridloop.config import get_settings

    get_settings.cache_clear()  # the settings of this test's environment, not those another test read first
    builds: list[object] = []
    import gridloop.cases.jobs as jobs

    monkeypatch.setattr(jobs, "start_pipeline", lambda c, **_: builds.append(c) or [])
    monkeypatch.delitem(sys.modules, "gridloop.asgi", raising=False)
    asgi = importlib.import_module("gridloop.asgi")
    try:
        first = asgi.app
        again = asgi.app
        via_import = importlib.import_module("gridloop.asgi").app
    finally:
        sys.modules.pop("gridloop.asgi", None)
        get_settings.cache_clear()
    assert first is again is via_import
    assert len(builds) == 1
