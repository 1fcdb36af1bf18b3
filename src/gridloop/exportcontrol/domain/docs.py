"""The regime and rule tables as Markdown, for docs/exportcontrol.md (a test keeps the doc in step)."""

from __future__ import annotations

from gridloop.exportcontrol.domain.regimes import REGIMES, SUSPENSIONS

#: (rule id, what it checks, citation, regimes it feeds)
RULE_TABLE: tuple[tuple[str, str, str, str], ...] = (
    ("R0", "status of each regime on the export date (effective date, suspension window, after-window setting)",
     "No. 61 Art. 8; No. 70", "all"),
    ("R1a", "foreign exporter, destination outside China, Annex 1 Part 2 item, China-origin Part 1 content "
     "≥ 0.1 % of the item's value (inclusive)", "No. 61 Art. 1(1)", "no61-1-1"),
    ("R1b", "foreign exporter, destination outside China, Annex 1 item made with China-origin rare-earth technology",
     "No. 61 Art. 1(2)", "no61-1-2"),
    ("R1c", "foreign exporter, destination outside China, China-origin Annex 1 item", "No. 61 Art. 1(3)", "no61-1-3"),
    ("R2", "humanitarian end use (emergency medical, public health, disaster relief) only: no licence; report within "
     "10 working days", "No. 61 Art. 5", "no61-1-*"),
    ("R2-overridden", "humanitarian end use stated together with a denial factor: the exemption is not applied [I]",
     "No. 61 Art. 5", "no61-1-*"),
    ("R3-military-user", "military end user: presumption of denial", "No. 61 Art. 2", "no61-1-*"),
    ("R3-listed", "end user, or an owner controlling it through links of ≥ 50 %, on the 管控名单 or 关注名单 "
     "snapshot dated on or before the export date: presumption of denial", "No. 61 Art. 2", "no61-1-*"),
    ("R3-end-use", "end use WMD, terrorism or military: presumption of denial", "No. 61 Art. 3", "no61-1-*"),
    ("R4", "end use ≤ 14 nm logic, ≥ 256-layer memory, their equipment/materials, military-potential AI R&D: "
     "case-by-case review", "No. 61 Art. 4", "no61-1-*"),
    ("R5", "Annex 1 item leaving for outside China: Chinese exporter declares the final destination and issues a "
     "合规告知书; foreign exporter passes one on", "No. 61 Art. 7, Annex 2", "no61-7"),
    ("R6-1E902", "Chinese person (or anyone in China) transferring 1E902 rare-earth technology", "No. 62", "no62"),
    ("R6-catch-all", "Chinese person knowingly supporting rare-earth activity abroad", "No. 62 (出口管制法 Art. 12; "
     "条例 Art. 14)", "no62"),
    ("R7", "export from China of 1C902–1C908 (Sm, Gd, Tb, Dy, Lu, Sc, Y)", "No. 18", "no18"),
    ("R8", "export from China of 1C909–1C913 (Ho, Er, Tm, Eu, Yb)", "No. 57", "no57"),
)  # fmt: skip


def render_regime_table() -> str:
    """The regime table (dates from domain.md §5) as Markdown."""
    lines = [
        "| regime | announcement | citation | issued | effective | suspended (inclusive) | by |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in REGIMES:
        window = row.suspension
        span = f"{window.start.isoformat()} – {window.until.isoformat()}" if window else "—"
        lines.append(
            f"| `{row.id}` | {row.announcement} | {row.citation.article}"
            f"{' · ' + row.citation.annex_item if row.citation.annex_item else ''} | {row.issued.isoformat()} | "
            f"{row.effective.isoformat()} | {span} | {window.announcement if window else '—'} |"
        )
    for window in SUSPENSIONS:
        lines.append("")
        lines.append(
            f"Suspension `{window.id}` ({window.zh}, issued {window.issued.isoformat()}): "
            f"{window.start.isoformat()} – {window.until.isoformat()}, both days inclusive; source {window.source}."
        )
    return "\n".join(lines)


def render_rule_table() -> str:
    """The rule table as Markdown."""
    lines = ["| rule | what it checks | citation | regime |", "|---|---|---|---|"]
    lines += [f"| {rule} | {what} | {cite} | `{regime}` |" for rule, what, cite, regime in RULE_TABLE]
    return "\n".join(lines)
