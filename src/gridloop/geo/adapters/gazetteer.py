"""Finding the areas named in Chinese text: a gazetteer of area names, their short forms, landmarks and roads.

Sources: stored area names (districts, streets, communities), the landmark/road list shipped in
`data/places.csv`, and optionally the street gazetteer CSV of the shared data (district_code, street_id,
street_name). Matching scans the text once, longest name first at each position.
"""

from __future__ import annotations

import csv
import importlib.resources
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from gridloop.geo.domain import name_aliases
from gridloop.kernel.ports import AreaMatch

# base confidence of a match by what matched
CONFIDENCE = {
    "community": 0.9, "street": 0.9, "district": 0.85, "landmark": 0.8, "road": 0.65,
    "gazetteer_street": 0.85,
}  # fmt: skip
ALIAS_PENALTY = 0.15  # a short form (长寿路 for 长寿路街道) is weaker evidence than the full name
CONSISTENT_BONUS = 0.1  # the text also names the enclosing district
DEPTH = {2: 1, 6: 1, 9: 2, 12: 3, 14: 4}


@dataclass(frozen=True)
class TextAreaMatch(AreaMatch):
    """An area named in text: the AreaMatch plus the words that matched and the kind of name."""

    matched: str = ""
    kind: str = ""  # district | street | community | landmark | road | gazetteer_street


@dataclass(frozen=True)
class Entry:
    """One name the gazetteer knows: what it points to."""

    code: str  # area code (district 6, street 9, community 12 digits)
    name: str  # the area's or place's name as shown
    kind: str
    is_alias: bool = False


@dataclass
class Gazetteer:
    """Names → areas, with a first-two-characters index for a single scan of the text."""

    entries: dict[str, list[Entry]] = field(default_factory=dict)
    _index: dict[str, list[str]] = field(default_factory=dict)
    district_names: dict[str, str] = field(default_factory=dict)

    def add(self, alias: str, entry: Entry) -> None:
        """Teach the gazetteer one name (2+ characters)."""
        alias = alias.strip()
        if len(alias) < 2:
            return
        bucket = self.entries.setdefault(alias, [])
        if any(e.code == entry.code and e.kind == entry.kind for e in bucket):
            return
        bucket.append(entry)
        names = self._index.setdefault(alias[:2], [])
        if alias not in names:
            names.append(alias)
            names.sort(key=len, reverse=True)

    def add_area(self, code: str, name: str, level: str) -> None:
        """Teach an area's full name and its short forms."""
        self.add(name, Entry(code, name, level))
        for alias in name_aliases(name):
            self.add(alias, Entry(code, name, level, is_alias=True))
        if level == "district":
            self.district_names[code] = name

    def scan(self, text: str) -> list[tuple[str, int]]:
        """Names found in text with their positions, longest first at each position, not overlapping."""
        found: list[tuple[str, int]] = []
        i = 0
        while i < len(text) - 1:
            names = self._index.get(text[i : i + 2])
            hit = next((n for n in names if text.startswith(n, i)), None) if names else None
            if hit:
                found.append((hit, i))
                i += len(hit)
            else:
                i += 1
        return found

    def locate(self, text: str) -> list[TextAreaMatch]:
        """Areas named in text, best first; several when ambiguous, empty when none."""
        hits = self.scan(text or "")
        if not hits:
            return []
        named_districts = {e.code[:6] for name, _ in hits for e in self.entries[name] if e.kind == "district"}
        candidates: dict[str, TextAreaMatch] = {}
        for name, _pos in hits:
            entries = self.entries[name]
            spread = len({e.code[:6] for e in entries})
            for entry in entries:
                confidence = CONFIDENCE[entry.kind] - (ALIAS_PENALTY if entry.is_alias else 0.0)
                if spread > 1:
                    confidence /= spread**0.5
                if entry.kind != "district" and entry.code[:6] in named_districts:
                    confidence = min(0.99, confidence + CONSISTENT_BONUS)
                match = _match(entry, name, round(confidence, 3))
                best = candidates.get(entry.code)
                if best is None or _rank(match) < _rank(best):
                    candidates[entry.code] = match
        # a district is implied by any finer candidate inside it: keep only the finest per district
        finer = {code[:6] for code in candidates if len(code) > 6}
        kept = [m for code, m in candidates.items() if len(code) > 6 or code not in finer]
        if named_districts:
            consistent = [m for m in kept if (m.district_code or "") in named_districts]
            kept = consistent or kept
        return sorted(kept, key=_rank)


def _rank(match: TextAreaMatch) -> tuple[float, int]:
    return (-match.confidence, -DEPTH.get(len(match.finest_code or ""), 0))


def _match(entry: Entry, matched: str, confidence: float) -> TextAreaMatch:
    code = entry.code
    return TextAreaMatch(
        district_code=code[:6],
        street_code=code[:9] if len(code) >= 9 else None,
        community_code=code[:12] if len(code) >= 12 else None,
        method="text",
        confidence=confidence,
        name=entry.name,
        matched=matched,
        kind=entry.kind,
    )


def load_places() -> list[tuple[str, str, list[str]]]:
    """The shipped landmark and road list: (alias, kind, district codes)."""
    resource = importlib.resources.files("gridloop.geo.adapters") / "data" / "places.csv"
    with resource.open(encoding="utf-8") as handle:
        return [(r["alias"], r["kind"], r["district_codes"].split(";")) for r in csv.DictReader(handle)]


def build_gazetteer(
    areas: Mapping[str, tuple[str, str]],
    *,
    street_csv: Path | None = None,
    places: Iterable[tuple[str, str, list[str]]] | None = None,
) -> Gazetteer:
    """A gazetteer from stored areas {code: (name, level)}, the shipped places and the optional street CSV."""
    gazetteer = Gazetteer()
    for code, (name, level) in sorted(areas.items()):
        if level in ("district", "street", "community"):
            gazetteer.add_area(code, name, level)
    for alias, kind, districts in places if places is not None else load_places():
        for district in districts:
            district_name = areas.get(district, ("", ""))[0]
            label = f"{alias}（{district_name}）" if district_name else alias
            gazetteer.add(alias, Entry(district, label, kind))
    if street_csv is not None and street_csv.is_file():
        with street_csv.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                street_id = row.get("street_id", "").strip()
                street_name = row.get("street_name", "").strip()
                district = row.get("district_code", "").strip() or street_id[:6]
                # the real street code is used only if a street of that code and name is stored (demo streets
                # carry generated codes that may collide); otherwise the match says the district only
                code = street_id if areas.get(street_id, ("", ""))[0] == street_name else district
                entry = Entry(code, street_name, "gazetteer_street")
                gazetteer.add(street_name, entry)
                for alias in name_aliases(street_name):
                    gazetteer.add(alias, Entry(code, street_name, "gazetteer_street", is_alias=True))
    return gazetteer
