"""MOFCOM 管控名单 / 关注名单 as dated snapshots, and the end-user check with the 50 % rule (No. 61 Art. 2).

Names match exactly after normalisation (NFKC, case, spaces and punctuation removed). A name that only
contains, or is contained in, a listed name is a *possible* match: a data gap to confirm, never a silent pass.
The 50 % rule is read as control along the chain: an owner controls the end user when every link between
them is ≥ 50 % [I]; a link of unknown size makes owners above it a data gap.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from gridloop.exportcontrol.domain.answer import DataGap, GapKind
from gridloop.exportcontrol.domain.model import EndUser

CONTROL_THRESHOLD_PCT = Decimal(50)
NO61_REGIMES = ("no61-1-1", "no61-1-2", "no61-1-3")
MIN_PARTIAL_LEN = 4


class ListKind(StrEnum):
    """The two MOFCOM lists named in No. 61 Art. 2."""

    CONTROL = "control"  # 出口管制管控名单
    WATCH = "watch"  # 关注名单


LIST_ZH = {ListKind.CONTROL: "出口管制管控名单", ListKind.WATCH: "关注名单"}


def normalise(name: str) -> str:
    """Name key: NFKC, case-folded, letters and digits only."""
    text = unicodedata.normalize("NFKC", name).casefold()
    return "".join(ch for ch in text if ch.isalnum())


@dataclass(frozen=True)
class ListEntry:
    """One listed organisation or person."""

    name: str
    aliases: tuple[str, ...] = ()
    country: str = ""
    listed_on: date | None = None
    source: str = ""

    def match_keys(self) -> tuple[str, ...]:
        """Normalised name and aliases."""
        return tuple(k for k in (normalise(n) for n in (self.name, *self.aliases)) if k)


@dataclass(frozen=True)
class ListSnapshot:
    """One list as an administrator imported it, valid from `as_of`."""

    kind: ListKind
    as_of: date
    entries: tuple[ListEntry, ...]
    source: str = ""
    imported_by: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Summary for the answer (not the entries)."""
        return {
            "list": self.kind.value,
            "list_zh": LIST_ZH[self.kind],
            "as_of": self.as_of.isoformat(),
            "entries": len(self.entries),
            "source": self.source,
            "imported_by": self.imported_by,
        }


def snapshot_for(snapshots: Sequence[ListSnapshot], *, kind: ListKind, on: date) -> ListSnapshot | None:
    """The newest snapshot of `kind` dated on or before `on`."""
    candidates = [s for s in snapshots if s.kind is kind and s.as_of <= on]
    return max(candidates, key=lambda s: s.as_of) if candidates else None


@dataclass(frozen=True)
class Match:
    """A name found on a list, exactly or possibly."""

    entry: ListEntry
    exact: bool


def find(snapshot: ListSnapshot, name: str) -> list[Match]:
    """Exact matches, else possible (containment) matches, of `name` in the snapshot."""
    key = normalise(name)
    if not key:
        return []
    exact = [Match(e, True) for e in snapshot.entries if key in e.match_keys()]
    if exact:
        return exact
    if len(key) < MIN_PARTIAL_LEN:
        return []
    return [
        Match(e, False)
        for e in snapshot.entries
        if any(len(k) >= MIN_PARTIAL_LEN and (k in key or key in k) for k in e.match_keys())
    ]


@dataclass
class EndUserCheck:
    """Who of the end user and its controlling owners is listed, and what could not be settled."""

    hits: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    gaps: list[DataGap] = field(default_factory=list)
    lists_used: list[ListSnapshot] = field(default_factory=list)


def _gap(kind: GapKind, field_name: str, en: str, zh: str) -> DataGap:
    return DataGap(kind, field_name, en, zh, NO61_REGIMES)


def check_end_user(end_user: EndUser, *, snapshots: Sequence[ListSnapshot], on: date) -> EndUserCheck:
    """R3 (lists): the end user, or an owner controlling it through ≥ 50 % links, on a list dated ≤ `on`."""
    out = EndUserCheck()
    current = [s for s in (snapshot_for(snapshots, kind=k, on=on) for k in ListKind) if s is not None]
    out.lists_used = current
    for kind in ListKind:
        if not any(s.kind is kind for s in current):
            out.gaps.append(
                _gap(
                    GapKind.LIST,
                    f"lists.{kind.value}",
                    f"no {kind.value} list snapshot dated on or before {on.isoformat()}",
                    f"没有{on.isoformat()}或之前的{LIST_ZH[kind]}快照",
                )
            )
    if not end_user.name.strip():
        out.gaps.append(_gap(GapKind.END_USER, "end_user.name", "end user not named", "未填写最终用户"))
    if not end_user.ownership_known:
        out.gaps.append(
            _gap(
                GapKind.OWNERSHIP, "end_user.parent_chain", "ownership of the end user unknown", "最终用户股权结构不明"
            )
        )
    # (name, field path, control over the end user: True / False / None = unknown, chain percentages)
    parties: list[tuple[str, str, bool | None, list[str]]] = [(end_user.name, "end_user.name", True, [])]
    control: bool | None = True
    pcts: list[str] = []
    for i, owner in enumerate(end_user.parent_chain):
        if owner.ownership_pct is None:
            control = None if control is not False else False
            pcts = [*pcts, "?"]
        else:
            pcts = [*pcts, str(owner.ownership_pct)]
            if owner.ownership_pct < CONTROL_THRESHOLD_PCT:
                control = False
        parties.append((owner.name, f"end_user.parent_chain[{i}]", control, pcts))
    for name, where, controls, chain in parties:
        for snapshot in current:
            for match in find(snapshot, name):
                record = {
                    "party": name,
                    "field": where,
                    "list": snapshot.kind.value,
                    "list_zh": LIST_ZH[snapshot.kind],
                    "listed_name": match.entry.name,
                    "list_as_of": snapshot.as_of.isoformat(),
                    "exact": match.exact,
                    "ownership_chain_pct": chain,
                    "controls_end_user": controls,
                }
                if not match.exact:
                    out.gaps.append(
                        _gap(
                            GapKind.END_USER,
                            where,
                            f"'{name}' resembles listed '{match.entry.name}' ({snapshot.kind.value}); confirm",
                            f"“{name}”与{LIST_ZH[snapshot.kind]}中的“{match.entry.name}”相近，请核实",
                        )
                    )
                    out.findings.append(record)
                elif controls is True:
                    out.hits.append(record)
                elif controls is None:
                    out.gaps.append(
                        _gap(
                            GapKind.OWNERSHIP,
                            where,
                            f"listed '{name}' owns the end user through a link of unknown size",
                            f"列名主体“{name}”对最终用户的持股比例不明",
                        )
                    )
                    out.findings.append(record)
                else:
                    out.findings.append({**record, "note": "listed owner below the 50 % control chain"})
    return out
