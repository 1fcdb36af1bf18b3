"""The export-control domain imports only the standard library (and itself)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[2] / "src" / "gridloop" / "exportcontrol" / "domain"
PACKAGE = Path(__file__).resolve().parents[2] / "src" / "gridloop" / "exportcontrol"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_domain_imports_only_the_standard_library() -> None:
    files = sorted(DOMAIN.glob("*.py"))
    assert files
    for path in files:
        for name in _imports(path):
            top = name.split(".")[0]
            ok = top in sys.stdlib_module_names or name.startswith("gridloop.exportcontrol.domain")
            assert ok, f"{path.name} imports {name}"


def test_every_module_stays_under_500_lines() -> None:
    for path in PACKAGE.rglob("*.py"):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        assert lines < 500, f"{path.relative_to(PACKAGE)} has {lines} lines"


def test_docs_show_the_current_regime_and_rule_tables() -> None:
    from gridloop.exportcontrol.domain.docs import render_regime_table, render_rule_table

    doc = (PACKAGE.parents[2] / "docs" / "exportcontrol.md").read_text(encoding="utf-8")
    assert render_regime_table() in doc, "docs/exportcontrol.md regime table is stale (domain/docs.py renders it)"
    assert render_rule_table() in doc, "docs/exportcontrol.md rule table is stale (domain/docs.py renders it)"


def test_every_rule_the_code_can_fire_is_in_the_rule_table() -> None:
    import re

    from gridloop.exportcontrol.domain.docs import RULE_TABLE

    source = (DOMAIN / "rules.py").read_text(encoding="utf-8")
    fired = set(re.findall(r'TriggeredRule\(\s*"([^"]+)"', source)) | {"R7", "R8"}
    assert fired <= {row[0] for row in RULE_TABLE}, fired - {row[0] for row in RULE_TABLE}
