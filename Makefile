# tap-smartlead developer commands. Everything runs from the project's own .venv.
#
#   make demo    emulator + `meltano run tap-smartlead target-duckdb`, prints what landed
#                (installs only the `demo` extra: Meltano, DuckDB, dbt-duckdb, and the
#                emulator and the report, packages/ of their own)
#   make test    the whole test suite (unit, emulator, integration, warehouse), its 20
#                slowest tests, then its wall time; `make test TESTS=tests/unit` runs one part,
#                `make test TESTS=tests/unit PYTEST_ARGS="-x -k rate"` passes pytest options;
#                on 3 pytest-xdist workers (--dist loadgroup: tests sharing a fixture stay on
#                one worker, see tests/conftest.py); `make test WORKERS=` runs one process
#   make lint    ruff
#   make bench   scripts/bench.py: the rate-limit scenarios (limits), then the agency day
#                (agency --timed --timed-full); scripts/bench.py NAME runs one benchmark
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# uv installs in seconds what pip takes minutes for; it is bootstrapped into the venv with
# the venv's own pip, so python3 and python3-venv are all a machine needs.
UV := $(BIN)/uv
# Touched after a successful install; the install runs again when pyproject.toml is newer.
# The dev extra holds the demo extra, so a dev install also satisfies `make demo`.
DEV_STAMP := $(VENV)/.installed-dev
DEMO_STAMP := $(VENV)/.installed-demo
TESTS ?= tests
PYTEST_ARGS ?=
# pytest-xdist workers; empty: one process. The clock-bound tests (rate limits, retries) overlap
# with the CPU-bound ones: on this project's 2-core machine 3 workers keep both cores busy
# (2 left them idle a third of the time; docs/benchmarks.md).
WORKERS ?= 3
XDIST := $(if $(WORKERS),-n $(WORKERS) --dist loadgroup,)
# make demo PLAN=documented: the documented 10 requests per 2 s instead of the demo's 50
# (scripts/demo.sh)
PLAN ?= fast

.PHONY: venv venv-demo test demo bench lint

venv: $(DEV_STAMP)

venv-demo: $(DEMO_STAMP)

$(UV):
	@if [ ! -x $(BIN)/python ]; then \
		echo "Creating $(VENV) with $(PYTHON)"; \
		$(PYTHON) -m venv $(VENV); \
	fi
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv

# The emulator and the report (packages/) come with either extra, editable from this checkout
# ([tool.uv.sources] in pyproject.toml).
PROJECTS := pyproject.toml $(wildcard packages/*/pyproject.toml)

$(DEV_STAMP): $(PROJECTS) | $(UV)
	$(UV) pip install --quiet --python $(BIN)/python -e ".[dev]"
	@touch $(DEV_STAMP) $(DEMO_STAMP)

$(DEMO_STAMP): $(PROJECTS) | $(UV)
	@if [ -f $(DEV_STAMP) ] && [ -z "$$(find $(PROJECTS) -newer $(DEV_STAMP))" ]; then \
		touch $(DEMO_STAMP); \
	else \
		$(UV) pip install --quiet --python $(BIN)/python -e ".[demo]" && touch $(DEMO_STAMP); \
	fi

test: venv
	@started=$$(date +%s); status=0; \
	$(BIN)/python -m pytest $(TESTS) --durations=20 $(XDIST) $(PYTEST_ARGS) || status=$$?; \
	echo "make test: $(TESTS) took $$(( $$(date +%s) - started )) s (pytest exit $$status)"; \
	exit $$status

demo: venv-demo
	PLAN=$(PLAN) bash scripts/demo.sh

bench: venv
	$(BIN)/python scripts/bench.py

lint: venv
	$(BIN)/ruff check .
