"""JSON and XML bodies of the spec: XML is the normative form, JSON its mechanical mapping."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

from fastapi import Response

from gridloop.open311.domain import FORMATS, Open311Error

#: The XML element of one item of each list (the spec's plural → singular names).
ITEM = {"services": "service", "service_requests": "request", "errors": "error", "attributes": "attribute",
        "values": "value", "endpoints": "endpoint", "formats": "format"}  # fmt: skip


def check_format(fmt: str) -> str:
    """The format from the URL suffix; 404 for any other."""
    if fmt not in FORMATS:
        raise Open311Error(404, (404, f"format '{fmt}' not supported: use json or xml"))
    return fmt


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _fill(parent: ET.Element, name: str, value: Any) -> None:
    node = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for k, v in value.items():
            _fill(node, k, v)
    elif isinstance(value, list):
        for item in value:
            _fill(node, ITEM.get(name, "item"), item)
    else:
        node.text = _text(value)


def to_xml(root: str, body: Any) -> bytes:
    """The XML document: a list under `root` (items named by ITEM) or a dict as `root`'s children."""
    top = ET.Element(root)
    if isinstance(body, list):
        for item in body:
            _fill(top, ITEM[root], item)
    else:
        for k, v in body.items():
            _fill(top, k, v)
    data: bytes = ET.tostring(top, encoding="utf-8", xml_declaration=True)
    return data


def respond(fmt: str, root: str, body: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """The body in the asked format (UTF-8)."""
    if fmt == "xml":
        return Response(to_xml(root, body), status_code=status, media_type="text/xml; charset=utf-8", headers=headers)
    text = json.dumps(body, ensure_ascii=False)
    return Response(text.encode(), status_code=status, media_type="application/json; charset=utf-8", headers=headers)


def error(fmt: str, exc: Open311Error) -> Response:
    """The spec's error list with its HTTP status (JSON when the format itself was bad)."""
    return respond(fmt if fmt in FORMATS else "json", "errors", exc.body(), status=exc.status)
