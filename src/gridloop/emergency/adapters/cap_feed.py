"""An Atom 1.0 feed of CAP messages (the usual way alert hubs and aggregators poll a CAP source)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from xml.etree import ElementTree as ET

ATOM = "http://www.w3.org/2005/Atom"
CAP = "urn:oasis:names:tc:emergency:cap:1.2"
#: Feed times are Beijing time like the CAP messages themselves.
BEIJING = timezone(timedelta(hours=8))


@dataclass(frozen=True)
class FeedEntry:
    """One CAP message as the feed shows it."""

    identifier: str
    sent: datetime
    msg_type: str
    status: str
    headline: str
    area: str
    xml_url: str


def headline_of(xml: str) -> tuple[str, str]:
    """The first info block's headline and areaDesc of a CAP document ('' when absent)."""
    root = ET.fromstring(xml)  # noqa: S314 - gridloop's own stored messages
    info = root.find(f"{{{CAP}}}info")
    if info is None:
        return "", ""
    return info.findtext(f"{{{CAP}}}headline", ""), info.findtext(f"{{{CAP}}}area/{{{CAP}}}areaDesc", "")


def atom_feed(entries: Sequence[FeedEntry], *, feed_url: str, title: str, updated: datetime) -> bytes:
    """The feed document, newest message first as given."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}id").text = feed_url
    ET.SubElement(feed, f"{{{ATOM}}}title").text = title
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = updated.astimezone(BEIJING).isoformat(timespec="seconds")
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=feed_url, type="application/atom+xml")
    ET.SubElement(ET.SubElement(feed, f"{{{ATOM}}}author"), f"{{{ATOM}}}name").text = "gridloop"
    for e in entries:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}id").text = f"urn:cap:{e.identifier}"
        ET.SubElement(entry, f"{{{ATOM}}}title").text = e.headline or e.identifier
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = e.sent.astimezone(BEIJING).isoformat(timespec="seconds")
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", href=e.xml_url, type="application/cap+xml")
        ET.SubElement(entry, f"{{{ATOM}}}category", term=e.msg_type, label=e.status)
        ET.SubElement(entry, f"{{{ATOM}}}summary").text = f"{e.area} · {e.msg_type} · {e.status}"
    body: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body
