"""The architecture's rules (docs/architecture.md) hold: contracts, pure domains, entry points that never commit,
small modules, nothing built at import time."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "gridloop"
ROOT = SRC.parents[1]
CAPABILITIES = sorted(
    p.name for p in SRC.iterdir() if (p / "__init__.py").exists() and p.name not in {"kernel", "platform"}
)


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name if a.name.startswith("gridloop") else a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module if node.module.startswith("gridloop") else node.module.split(".")[0])
    return names


def _modules(*parts: str) -> list[Path]:
    found: list[Path] = []
    for part in parts:
        path = SRC / part
        found += (
            sorted(path.rglob("*.py"))
            if path.is_dir()
            else [path.with_suffix(".py")]
            if path.with_suffix(".py").exists()
            else []
        )
    return found


def test_import_linter_contracts_hold():
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_every_capability_has_its_contracts():
    config = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    missing = [c for c in CAPABILITIES if f'containers = ["gridloop.{c}"]' not in config]
    assert not missing, f"capabilities without a layers contract in pyproject.toml: {missing}"


def test_domains_import_only_the_standard_library_the_kernel_and_themselves():
    offenders = {}
    for cap in ["kernel", *CAPABILITIES]:
        own = "gridloop.kernel" if cap == "kernel" else f"gridloop.{cap}.domain"
        for path in _modules("kernel" if cap == "kernel" else f"{cap}/domain"):
            bad = {
                n
                for n in _imports(path)
                if not (n in sys.stdlib_module_names or n == "__future__" or n.startswith((own, "gridloop.kernel")))
            }
            if bad:
                offenders[str(path.relative_to(SRC))] = sorted(bad)
    assert not offenders, f"domain modules import frameworks or outer layers: {offenders}"


def test_entry_points_never_commit():
    entry = ["commands", "platform/web", "platform/cli"]
    for cap in CAPABILITIES:
        entry += [f"{cap}/api", f"{cap}/pages", f"{cap}/cli", f"{cap}/subscribers", f"{cap}/jobs"]
    offenders = []
    for path in _modules(*entry):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "commit":
                offenders.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert not offenders, f"routes, pages and commands never commit (services do): {offenders}"


def test_no_module_is_longer_than_500_lines():
    long = {
        str(p.relative_to(SRC)): n
        for p in SRC.rglob("*.py")
        if "migrations" not in p.parts and (n := len(p.read_text(encoding="utf-8").splitlines())) > 500
    }
    assert not long, f"split these by use case (STYLE.md): {long}"


def test_no_module_builds_an_engine_or_settings_at_import_time():
    offenders = []
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Call):
                func = ast.unparse(node.value.func)
                if func.split(".")[-1] in {"build_engine", "create_engine", "get_settings", "create_app", "Settings"}:
                    offenders.append(f"{path.name}: {func}")
    assert not offenders, offenders
