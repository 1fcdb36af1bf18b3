# The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DB ?= var/gridloop.db
DEMO_CASES ?= 3000
SHARED ?= ../shared/data
MODEL := var/models/classifier.joblib

.PHONY: run test test-db lint typecheck contracts unit lock assets clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check uv==0.13.8
	$(BIN)/uv pip install -q --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

## make run: install, create the demo city in $(DB) if there is none, serve on http://127.0.0.1:8000
run: $(STAMP)
	@mkdir -p $(dir $(DB))
	@if [ ! -f "$(DB)" ]; then $(BIN)/gridloop demo --db "$(DB)" --cases $(DEMO_CASES); \
	  else $(BIN)/gridloop db upgrade --db "$(DB)"; echo "using existing $(DB) (demo logins: admin/operator/dispatcher/putuo_housing/supervisor…, password gridloop-demo)"; fi
	@if [ ! -f "$(MODEL)" ] && [ -f "$(SHARED)/messages/messages_labeled.csv" ]; then \
	  GRIDLOOP_DATABASE_URL="sqlite:///$(DB)" $(BIN)/gridloop model train --data "$(SHARED)/messages/messages_labeled.csv" --out "$(MODEL)"; fi  # else: the seed model
	$(BIN)/gridloop serve --db "$(DB)" --host 127.0.0.1 --port 8000

## make test: lint, type-check, architecture contracts, then the whole suite (on PostgreSQL when
## GRIDLOOP_TEST_PG_URL is set)
test: $(STAMP) lint typecheck contracts
	$(BIN)/python -m pytest -p no:warnings -n 2 --durations=15 tests

## make test-db: only the tests that use a database (marked `db` automatically), e.g. again on PostgreSQL
test-db: $(STAMP)
	$(BIN)/python -m pytest -p no:warnings -n 2 --durations=15 -m db tests

## make contracts: the import-linter contracts of docs/architecture.md (layers, capabilities, no cycles)
contracts: $(STAMP)
	$(BIN)/lint-imports --no-cache

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy src/gridloop

## make assets: re-vendor the console's JS/CSS (leaflet, echarts) from npm at the pinned versions
assets:
	scripts/vendor-assets.sh

## make lock: re-resolve exact versions after changing pyproject.toml
lock:
	uv pip compile -q pyproject.toml --extra dev -o requirements.lock

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache
