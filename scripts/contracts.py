"""Regenerate the import-linter contracts in pyproject.toml from the tree (every capability found)."""
import pathlib,sys
ROOT=pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parents[1]
p=ROOT/'pyproject.toml'; t=p.read_text()
S=ROOT/'src/gridloop'
CAPS=[d.name for d in sorted(S.iterdir()) if d.is_dir() and (d/'__init__.py').exists() and d.name not in ('kernel','platform')]
ORDER=['org','geo','dispatch','cases','triage','emergency','knowledge','participation','petitions','open311','exportcontrol','demo']
CAPS=sorted(CAPS,key=lambda c: ORDER.index(c) if c in ORDER else 99)
WIRING=['gridloop.bootstrap','gridloop.cli','gridloop.commands','gridloop.schema','gridloop.asgi']
def q(xs): return ', '.join(f'"{x}"' for x in xs)
i=t.index('# Architecture contracts (docs/architecture.md)')
t=t[:i]
t+='''# Architecture contracts (docs/architecture.md), checked by `make test` (lint-imports). No exemptions.
# Regenerated from the tree by scripts/contracts.py when a capability or a module is added.
[tool.importlinter]
root_package = "gridloop"
include_external_packages = false

[[tool.importlinter.contracts]]
name = "no import cycles anywhere (between sibling packages or modules, at every depth)"
type = "acyclic_siblings"
ancestors = ["gridloop"]

[[tool.importlinter.contracts]]
name = "kernel imports no capability, no platform, no wiring"
type = "forbidden"
source_modules = ["gridloop.kernel"]
forbidden_modules = [''' + q(['gridloop.platform']+[f'gridloop.{c}' for c in CAPS]+WIRING+['gridloop.config']) + ''']

[[tool.importlinter.contracts]]
name = "platform imports no capability and no wiring"
type = "forbidden"
source_modules = ["gridloop.platform"]
forbidden_modules = [''' + q([f'gridloop.{c}' for c in CAPS]+WIRING) + ''']

[[tool.importlinter.contracts]]
name = "capabilities import no wiring"
type = "forbidden"
source_modules = [''' + q([f'gridloop.{c}' for c in CAPS]) + ''']
forbidden_modules = [''' + q(WIRING) + ''']

'''
for c in CAPS:
    mods=sorted(x.stem for x in (S/c).iterdir() if (x.suffix=='.py' or (x.is_dir() and (x/'__init__.py').exists())) and x.stem not in ('__init__','services','events','templates'))
    if mods:
        t+=f'''[[tool.importlinter.contracts]]
name = "{c}: its insides are its own (others use {c}.services or {c}.events)"
type = "protected"
protected_modules = [{q(f'gridloop.{c}.{m}' for m in mods)}]
allowed_importers = ["gridloop.{c}", {q(WIRING)}]

'''
    t+=f'''[[tool.importlinter.contracts]]
name = "{c}: layered inside (plug → entry points → services → adapters → tables → domain)"
type = "layers"
containers = ["gridloop.{c}"]
layers = ["(plug)", "(api) | (pages) | (cli) | (subscribers) | (jobs)", "(services)", "(adapters)", "(tables)", "(events) | (domain)"]

'''
p.write_text(t.rstrip()+'\n')
print(CAPS)
