# Every target uses the project's virtual environment in .venv (made by `make setup`).
.DEFAULT_GOAL := help
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000
LIVE ?=

.PHONY: help setup generate check-generated lint typecheck test serve demo contract-live bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-16s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@echo "==> creating $(VENV) and installing the project with its dev tools"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP) ## Make .venv with the package (editable) and pinned dev tools

generate: $(STAMP) ## Regenerate generated/ from spec/ (overlay, config, templates in scripts/codegen)
	$(PY) scripts/generate.py

check-generated: $(STAMP) ## Fail if generated/ differs from a fresh regeneration
	$(PY) scripts/generate.py --check

lint: $(STAMP) ## ruff on the hand-written code
	$(PY) -m ruff check scripts tests
	$(PY) -m ruff format --check scripts tests

typecheck: $(STAMP) ## mypy --strict on generated code, scripts and tests
	$(PY) -m mypy --strict generated/aimlapi_gemini scripts tests

test: $(STAMP) ## Run the whole test suite (drift check, types, lint, unit, contract)
	$(PY) -m pytest

serve: $(STAMP) ## Run the local reference server on 127.0.0.1 (port 8000; make serve PORT=8123)
	$(PY) scripts/serve.py --port $(PORT)

$(VENV)/.bench-installed: $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	@touch $@

bench: $(VENV)/.bench-installed ## Benchmarks vs raw httpx and the OpenAI SDK (table + reports/bench.{json,png})
	$(PY) scripts/bench.py

clean: ## Remove the virtual environment and caches
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis reports
