# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-fast lint browser pdf-deps oidc-provider bench-deps bench-load bench-reports format migrate demo clean translations-extract translations-update translations-compile

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
run: $(VENV)/.installed pdf-deps translations-compile
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty
	@echo
	@echo "  Service Audit is starting on http://$(HOST):$(PORT)"
	@echo
	$(FLASK) run --host $(HOST) --port $(PORT)

## test: install test requirements, Chromium and poppler for browser and PDF tests, lint, run the whole suite
# One worker per core (pytest-xdist), each with its own PostgreSQL database; the slowest
# tests are listed at the end, to keep the whole suite under 20 minutes.
test: lint browser pdf-deps oidc-provider translations-compile
	$(BIN)/pytest -n auto --dist loadfile --durations=30

## test-fast: the edit-test loop: lint and every test but the browser ones (make test runs all)
test-fast: lint pdf-deps oidc-provider translations-compile
	$(BIN)/pytest -n auto --dist loadfile -m "not browser"

# Browser tests drive Debian's Chromium through Playwright (Playwright's own browser
# download cannot work offline); PDF layout tests draw pages with poppler's pdftoppm.
# Install both when missing.
TEST_PACKAGES := chromium poppler-utils
browser:
	@{ test -x /usr/bin/chromium && command -v pdftoppm >/dev/null; } || { \
		echo "Installing Chromium and poppler-utils for the browser and PDF layout tests"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(TEST_PACKAGES)) \
		|| { echo "Could not install them; run: sudo apt-get install $(TEST_PACKAGES)"; exit 1; }; }

# PDF reports: WeasyPrint draws with Pango, subsets fonts with HarfBuzz and uses the
# locally installed DejaVu fonts
# (nothing is fetched over the network); install them when missing.
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
pdf-deps:
	@dpkg -s $(PDF_PACKAGES) >/dev/null 2>&1 || { \
		echo "Installing Pango, HarfBuzz and DejaVu fonts for the PDF reports"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PDF_PACKAGES)) \
		|| { echo "Could not install them; run: sudo apt-get install $(PDF_PACKAGES)"; exit 1; }; }

# Single sign-on tests start a real OpenID provider (npm's oidc-provider, pinned in
# tests/oidc/package-lock.json) under Node.js; install it when missing.
oidc-provider:
	@test -d tests/oidc/node_modules || { \
		command -v npm >/dev/null || { echo "npm is missing: the single sign-on tests will be skipped"; exit 0; }; \
		echo "Installing the test OpenID provider (npm ci --prefix tests/oidc)"; \
		npm ci --prefix tests/oidc --no-audit --no-fund; }

$(VENV)/.bench-installed: requirements.txt requirements-test.txt requirements-bench.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-bench.txt
	touch $@

## bench-deps: install what the benchmarks need (aiohttp for bench/load.py, py-spy to profile)
bench-deps: $(VENV)/.bench-installed

## bench-load: shoppers and managers against gunicorn on PostgreSQL (BENCH_POSTGRES_URL) and SQLite
bench-load: $(VENV)/.bench-installed
	$(BIN)/python bench/load.py

## bench-reports: 100,000 visits into SQLite and PostgreSQL (BENCH_POSTGRES_URL), timings table
bench-reports: $(VENV)/.test-installed pdf-deps
	$(BIN)/python bench/reports.py

# The interface's languages (Flask-Babel, audit/translations/): extract the marked strings
# into messages.pot, merge them into each language's messages.po (translate the new
# entries there), compile the .mo files the app reads (built, never committed).
TRANSLATIONS := audit/translations
translations-extract: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l --no-location --sort-output \
		--project "Service Audit" -o $(TRANSLATIONS)/messages.pot .

translations-update: translations-extract
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-fuzzy-matching

translations-compile: $(VENV)/.installed
	$(BIN)/pybabel compile -d $(TRANSLATIONS) --statistics

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
