# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint browser format migrate demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.test-installed: requirements.txt requirements-test.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-test.txt
	touch $@

## run: install, migrate the embedded database, load demo data on first start, serve
run: $(VENV)/.installed
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty
	@echo
	@echo "  Service Audit is starting on http://$(HOST):$(PORT)"
	@echo
	$(FLASK) run --host $(HOST) --port $(PORT)

## test: install test requirements and Chromium for browser tests, lint, run the whole suite
# One worker per core (pytest-xdist), each with its own PostgreSQL database.
test: lint browser
	$(BIN)/pytest -n auto --dist loadfile

# Browser tests drive Debian's Chromium through Playwright (Playwright's own browser
# download cannot work offline); install it when it is missing.
browser:
	@test -x /usr/bin/chromium || { \
		echo "Installing Chromium for the browser tests"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
		|| { echo "Could not install chromium; run: sudo apt-get install chromium"; exit 1; }; }

lint: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.test-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrate: $(VENV)/.installed
	$(FLASK) db upgrade

demo: $(VENV)/.installed
	$(FLASK) db upgrade
	$(FLASK) demo

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
