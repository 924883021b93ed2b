# tap-smartlead developer commands. Everything runs from the project's own .venv.
#
#   make demo    emulator + `meltano run tap-smartlead target-duckdb`, prints what landed
#   make test    the whole test suite (unit, emulator, integration, warehouse)
#   make lint    ruff
#   make bench   scripts/bench.py, then scripts/bench_agency.py --timed --timed-full
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Touched after a successful install; pip runs again when pyproject.toml is newer.
STAMP := $(VENV)/.installed-dev
PYTEST_ARGS ?=
# make demo PLAN=seed: the seed's 10 requests per 2 s instead of the demo's 50 (scripts/demo.sh)
PLAN ?= fast

.PHONY: venv test demo bench lint

venv: $(STAMP)

$(STAMP): pyproject.toml
	@if [ ! -x $(BIN)/python ]; then \
		echo "Creating $(VENV) with $(PYTHON)"; \
		$(PYTHON) -m venv $(VENV); \
	fi
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $(STAMP)

test: venv
	$(BIN)/python -m pytest tests $(PYTEST_ARGS)

demo: venv
	PLAN=$(PLAN) bash scripts/demo.sh

bench: venv
	$(BIN)/python scripts/bench.py
	$(BIN)/python scripts/bench_agency.py --timed --timed-full

lint: venv
	$(BIN)/ruff check .
