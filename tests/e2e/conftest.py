"""Browser tests: the app served by uvicorn in a thread against a seeded database, driven by Debian's chromium."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("GRIDLOOP_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _require_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{CHROMIUM} is missing; CI must install Debian's chromium (and fonts-noto-cjk).")
    pytest.skip(f"{CHROMIUM} is missing; install Debian's chromium and fonts-noto-cjk to run browser tests")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def e2e_db(_template: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database for one browser module: the demo organisation (cases are added by `server`)."""
    name = None
    if hasattr(_template, "new"):  # PostgreSQL: a database from the seeded template
        name = _template.new()
        url = _template.url(name)
    else:
        assert isinstance(_template, Path)
        target = tmp_path_factory.mktemp("e2e") / "e2e.db"
        shutil.copy(_template, target)
        url = f"sqlite:///{target}"
    yield url
    if name is not None:
        _template.drop(name)


def _district_squares(session: object, now: datetime) -> None:
    """Boundaries for the 16 districts (squares on a 4×4 grid, WGS-84), stored by the geography service."""
    import shapely

    from gridloop.demo.city import DISTRICTS
    from gridloop.geo.services.geography import store_shapes

    rows = []
    for i, (code, name) in enumerate(DISTRICTS):
        x, y = 121.0 + (i % 4) * 0.2, 31.0 + (i // 4) * 0.2
        rows.append((code, name, "district", "310000", shapely.box(x, y, x + 0.18, y + 0.18)))
    store_shapes(session, rows, now=now, source="e2e squares", is_demo=True)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def e2e_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small seed classifier, so browser tests never depend on (or train) a model in the working tree."""
    from gridloop.triage.adapters.models import train_seed

    path = tmp_path_factory.mktemp("model") / "seed.joblib"
    train_seed().save(path)
    return path


@pytest.fixture(scope="module")
def server(e2e_db: str, e2e_model: Path) -> Iterator[str]:
    """Base URL of the app served on a free port (real clock), with 3,000 bulk-generated cases."""
    _require_chromium()
    import uvicorn

    from gridloop.bootstrap import build_container, create_app
    from gridloop.config import Settings
    from gridloop.demo.bulk import bulk_demo_cases as bulk_cases

    container = build_container(Settings(database_url=e2e_db, secret_key="e2e-" + "k" * 40, model_path=e2e_model))
    now = datetime.now(UTC)
    with container.uow() as uow:
        bulk_cases(uow.session, count=3000, now=now, days=400)
        _district_squares(uow.session, now)
        uow.commit()
    if container.deps.triage is not None:  # load the classifier now, not inside the first timed click
        container.deps.triage.analyse(title="预热", text="长寿路楼道墙面渗水")
    port = _free_port()
    app = create_app(container=container)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not srv.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)
    container.uow.engine.dispose()


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[object]:
    """One headless chromium for the module."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()
