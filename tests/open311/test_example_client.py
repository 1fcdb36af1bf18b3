"""The example client (docs/examples/open311_client.py) creates, lists and follows requests, JSON and XML."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "open311_client.py"


def _client_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("open311_client", EXAMPLE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_example_client_creates_lists_and_follows(app_client: Any, container: Any, clock: Any, fmt: str) -> None:
    from gridloop.open311.services.keys import create_key

    with container.uow() as uow:
        key = create_key(uow, name="example", now=clock.now())
    client = _client_module()
    app_client.base_url = "http://testserver/open311/v2/"
    code = client.services(app_client, fmt=fmt)[0]["service_code"]
    number = client.create(app_client, key=key, service_code=code, fmt=fmt, lat="31.23", long="121.47",
                           description="井盖缺失")  # fmt: skip
    assert number in [r["service_request_id"] for r in client.requests(app_client, fmt=fmt, status="open")]
    assert client.follow(app_client, number, fmt=fmt, times=1)["status"] == "open"
    with pytest.raises(RuntimeError, match="HTTP 403"):
        client.create(app_client, key="bad", service_code=code, fmt=fmt, lat="31.23", long="121.47")
