"""The emergency domain imports only the standard library, the kernel and itself."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[2] / "src" / "gridloop" / "emergency" / "domain"


def test_emergency_domain_imports_only_stdlib_kernel_and_itself():
    offenders = {}
    for path in DOMAIN.rglob("*.py"):
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        bad = {
            n
            for n in names
            if not (
                n.split(".")[0] in sys.stdlib_module_names
                or n == "__future__"
                or n.startswith(("gridloop.kernel", "gridloop.emergency.domain"))
            )
        }
        if bad:
            offenders[path.name] = sorted(bad)
    assert not offenders, f"emergency domain imports outer layers: {offenders}"
