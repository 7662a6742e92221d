# Two commands on a fresh machine: `make run` and `make test`. Everything else is a helper.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_ENV := DEBUG=$${DEBUG:-1}

.PHONY: run test test-fast lint format bench load vendor setup migrate content demo chromium clean help

help:
	@echo "make run    set everything up and start the portal on http://127.0.0.1:8000"
	@echo "make test   run the whole test suite (browser, sandbox and worker tests included)"
	@echo "make lint   ruff check + ruff format --check + mypy (the packages listed in pyproject.toml)"
	@echo "make bench  benchmarks under bench/"
	@echo "make load   50 simulated learners for 60 s against the whole stack (bench/load.py)"
	@echo "make vendor rebuild the committed front-end bundles under static/vendor/ (needs npm)"

$(STAMP): requirements.txt
	@$(PYTHON) -c "import sys; assert sys.version_info[:2] == (3, 11)" 2>/dev/null || { echo "Python 3.11 is required (python3.11 or python3 on PATH)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $(STAMP)

setup: $(STAMP)

migrate: $(STAMP)
	$(DEV_ENV) $(BIN)/python manage.py migrate --no-input -v 0

content: migrate
	$(DEV_ENV) $(BIN)/python manage.py import_content

demo: content
	$(DEV_ENV) $(BIN)/python manage.py demo_accounts
	$(DEV_ENV) $(BIN)/python manage.py seed_demo

run: content demo
	@if [ -n "$$REDIS_URL" ]; then \
		echo "Using Redis at $$REDIS_URL"; \
		$(DEV_ENV) $(BIN)/honcho start web worker beat; \
	else \
		$(DEV_ENV) $(BIN)/honcho start; \
	fi

# Browser tests drive Debian's Chromium; install it when we can (root), say so when we can't.
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else \
			echo "Browser tests need Debian's chromium: sudo apt-get install chromium"; exit 1; \
		fi; \
	fi

test: $(STAMP) chromium
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not e2e and not integration" -x -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(DEV_ENV) $(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python -m bench

# 50 learners for 60 s against gunicorn + a Celery worker (LOAD_LEARNERS, LOAD_SECONDS override).
load: $(STAMP)
	$(BIN)/python -m bench load

# The only target that needs Node.js and npm: rebuilds the committed bundles from their lock files.
vendor:
	static/vendor/codemirror/build.sh
	static/vendor/axe-core/build.sh

clean:
	rm -rf var/ $(VENV)
