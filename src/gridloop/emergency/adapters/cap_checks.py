"""CAP 1.2 checks with lxml: the OASIS schema, and the spec's section-3 rules that the schema misses."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from lxml import etree

from gridloop.kernel.errors import InvalidInput

NS = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}
CAP_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d$")
GBT_IDENTIFIER = re.compile(r"^(\d{6})(\d{3})(\d{3})(\d{2})_(\d{14})_(\d)$")
FORBIDDEN_IN_IDS = re.compile(r"[\s,<&]")
BEIJING = ZoneInfo("Asia/Shanghai")


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _parse(xml: bytes) -> etree._Element:
    try:
        return etree.fromstring(xml, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise InvalidInput(f"not well-formed XML: {exc}") from None


@dataclass(frozen=True)
class CapSchema:
    """The OASIS CAP 1.2 XSD, loaded from a path (e.g. ../shared/data/emergency/cap/CAP-v1.2.xsd)."""

    schema: etree.XMLSchema

    @classmethod
    def load(cls, path: Path) -> CapSchema:
        """Load the schema file."""
        return cls(etree.XMLSchema(etree.parse(str(path), parser=_parser())))

    def problems(self, xml: bytes) -> list[str]:
        """What the schema says is wrong with a message (empty when valid)."""
        doc = _parse(xml)
        if self.schema.validate(doc):
            return []
        return [f"line {e.line}: {e.message}" for e in self.schema.error_log]


def _texts(root: etree._Element, path: str) -> list[str]:
    return [(e.text or "").strip() for e in root.iterfind(path, NS)]


def _polygon_problems(text: str) -> list[str]:
    pairs = text.split()
    problems = []
    if len(pairs) < 4:
        problems.append(f"polygon has {len(pairs)} points; CAP needs at least 4")
    elif pairs[0] != pairs[-1]:
        problems.append("polygon is not closed: the first and last points differ")
    for pair in pairs:
        problems.extend(_point_problems(pair, "polygon"))
    return problems


def _point_problems(pair: str, what: str) -> list[str]:
    parts = pair.split(",")
    try:
        lat, lon = (float(p) for p in parts)
    except ValueError:
        return [f"{what} point {pair!r} is not 'lat,lon'"]
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return [f"{what} point {pair!r} is outside WGS 84 ranges"]
    return []


def conformance_problems(xml: bytes, *, gbt35965: bool = False, offset: str | None = None) -> list[str]:
    """The CAP section-3 rules the XSD does not check (plus GB/T 35965.1 identifiers and one offset, if asked)."""
    root = _parse(xml)
    problems: list[str] = []
    for tag in ("identifier", "sender"):
        for text in _texts(root, f"cap:{tag}"):
            if not text or FORBIDDEN_IN_IDS.search(text):
                problems.append(f"{tag} {text!r} is empty or has a space, comma, '<' or '&'")
    times = {tag: _texts(root, f"cap:{tag}") for tag in ("sent",)}
    for tag in ("effective", "onset", "expires"):
        times[tag] = _texts(root, f"cap:info/cap:{tag}")
    for tag, values in times.items():
        for text in values:
            if not CAP_TIME.match(text):
                problems.append(f"{tag} {text!r} is not a CAP time (offset, no 'Z', no fractions)")
            elif offset and not text.endswith(offset):
                problems.append(f"{tag} {text!r} is not in the {offset} offset")
    msg_type = "".join(_texts(root, "cap:msgType"))
    references = " ".join(_texts(root, "cap:references"))
    if msg_type in ("Update", "Cancel", "Ack", "Error") and not references:
        problems.append(f"msgType {msg_type} needs references")
    for triple in references.split():
        parts = triple.split(",")
        if len(parts) != 3 or not all(parts):
            problems.append(f"reference {triple!r} is not sender,identifier,sent")
        elif not CAP_TIME.match(parts[2]):
            problems.append(f"reference {triple!r} has a sent time that is not a CAP time")
    scope = "".join(_texts(root, "cap:scope"))
    if scope == "Restricted" and not "".join(_texts(root, "cap:restriction")):
        problems.append("scope Restricted needs a restriction")
    if scope == "Private" and not "".join(_texts(root, "cap:addresses")):
        problems.append("scope Private needs addresses")
    for text in _texts(root, "cap:info/cap:area/cap:polygon"):
        problems.extend(_polygon_problems(text))
    for text in _texts(root, "cap:info/cap:area/cap:circle"):
        centre, _, radius = text.partition(" ")
        problems.extend(_point_problems(centre, "circle"))
        try:
            if float(radius) < 0:  # 0 is a point: the spec's own example A.3 uses it
                problems.append(f"circle {text!r} needs a radius in km that is not negative")
        except ValueError:
            problems.append(f"circle {text!r} is not 'lat,lon radius'")
    if gbt35965:
        problems.extend(_gbt_problems(root))
    return problems


def _gbt_problems(root: etree._Element) -> list[str]:
    identifier = "".join(_texts(root, "cap:identifier"))
    match = GBT_IDENTIFIER.match(identifier)
    if not match:
        return [f"identifier {identifier!r} is not ZZZZZZDDDUUUXX_YYYYMMDDhhmmss_N (GB/T 35965.1)"]
    sent = "".join(_texts(root, "cap:sent"))
    if CAP_TIME.match(sent):
        beijing = datetime.fromisoformat(sent).astimezone(BEIJING).strftime("%Y%m%d%H%M%S")
        if match.group(5) != beijing:
            return [f"identifier time {match.group(5)} is not the sent time in Beijing time ({beijing})"]
    return []
