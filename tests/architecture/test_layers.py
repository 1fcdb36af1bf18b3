"""The domain imports only the standard library and itself; nothing is built at import time."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "gridloop"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] if not a.name.startswith("gridloop") else a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module if node.module.startswith("gridloop") else node.module.split(".")[0])
    return names


def test_domain_imports_only_the_standard_library_and_the_domain():
    offenders = {}
    for path in (SRC / "domain").rglob("*.py"):
        bad = {
            n
            for n in _imports(path)
            if not (n in sys.stdlib_module_names or n == "__future__" or n.startswith("gridloop.domain"))
        }
        if bad:
            offenders[path.name] = sorted(bad)
    assert not offenders, f"domain modules import frameworks or outer layers: {offenders}"


def test_services_do_not_import_entrypoints():
    offenders = [
        p.name
        for p in (SRC / "services").rglob("*.py")
        if any(n.startswith("gridloop.entrypoints") for n in _imports(p))
    ]
    assert not offenders, f"services import entrypoints: {offenders}"


def test_no_module_builds_an_engine_or_settings_at_import_time():
    offenders = []
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Call):
                func = ast.unparse(node.value.func)
                if func.split(".")[-1] in {
                    "build_engine",
                    "create_engine",
                    "get_settings",
                    "create_app",
                    "Settings",
                }:
                    offenders.append(f"{path.name}: {func}")
    assert not offenders, offenders
