# Askwell: `make run` starts the service on the embedded defaults, `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install run test test-fast lint format bench clean

help: ## Show the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Reinstall only when the dependency list changes.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install Askwell with its dev tools

run: $(STAMP) ## Start Askwell on http://127.0.0.1:8000 (SQLite, in-process memory)
	$(VENV)/bin/askwell serve

test: $(STAMP) ## Start PostgreSQL+pgvector and Redis, then run the whole suite
	eval "$$(scripts/test-services.sh start)" && $(PY) -m pytest -q -ra

test-fast: $(STAMP) ## The suite on SQLite only (PostgreSQL/Redis tests skip)
	$(PY) -m pytest -q -ra

lint: $(STAMP) ## ruff (lint + format check) and mypy
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy

format: $(STAMP) ## Format and fix what ruff can
	$(VENV)/bin/ruff format src tests bench
	$(VENV)/bin/ruff check --fix src tests bench

bench: $(STAMP) ## Run the benchmarks (by hand; results go to bench/RESULTS.md)
	$(PY) bench/chat_overhead.py

clean: ## Remove the virtualenv and caches (keeps ./data)
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
