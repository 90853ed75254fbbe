# Parley: `make run` starts the demo, `make test` runs every suite. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml 2>/dev/null | sha1sum | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 8000
export PARLEY_HOME := $(CURDIR)
export PARLEY_BASE_URL ?= http://$(HOST):$(PORT)

.PHONY: run test install lint format bench bench-large wrk clean

$(STAMP): pyproject.toml
	@if ! $(PYTHON) -m venv --help >/dev/null 2>&1 || ! $(PYTHON) -c 'import ensurepip' 2>/dev/null; then \
	  echo "Installing python3-venv (needs apt-get)"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq python3-venv; fi
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --upgrade pip
	@$(PY) -m pip install -q -e '.[dev]'
	@rm -f $(VENV)/.installed-*; touch $(STAMP)

install: $(STAMP)

run: install
	@$(VENV)/bin/parley migrate --noinput -v 0
	@$(VENV)/bin/parley collectstatic --noinput -v 0
	@$(VENV)/bin/parley demo
	@echo ""
	@echo "  Parley is running:   http://$(HOST):$(PORT)/"
	@echo "  Demo website:        http://$(HOST):$(PORT)/demo/"
	@echo "  Sign in as:          demo@example.com / parley-demo"
	@echo "  API docs:            http://$(HOST):$(PORT)/api/v1/docs"
	@echo "  Stop with Ctrl-C."
	@echo ""
	@$(VENV)/bin/parley worker & WORKER=$$!; \
	  trap 'kill $$WORKER 2>/dev/null; wait $$WORKER 2>/dev/null' EXIT INT TERM; \
	  $(VENV)/bin/parley serve --host $(HOST) --port $(PORT)

test: install
	@$(PY) tools/test_suites.py

lint: install
	@$(VENV)/bin/ruff check parley tests bench tools
	@$(VENV)/bin/ruff format --check parley tests bench tools

format: install
	@$(VENV)/bin/ruff format parley tests bench tools
	@$(VENV)/bin/ruff check --fix parley tests bench tools

# The load generator: Debian's wrk (the runner falls back to its asyncio client without it).
wrk:
	@command -v wrk >/dev/null || { echo "Installing wrk (needs apt-get)"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk \
	  || echo "!!! wrk could not be installed: the asyncio client measures instead"; }

bench: install wrk
	@$(PY) bench/run.py --profile small

bench-large: install wrk
	@$(PY) bench/run.py --profile large --databases postgres

clean:
	rm -rf var/test-* var/artifacts
