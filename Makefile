# WIR! Strategy Portal. `make run` serves the demo; `make test` runs the whole suite.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Names of this checkout's test database, Redis keys and benchmark database, so two clones on one
# machine never share them.
CHECKOUT_ID := $(shell printf '%s' "$(CURDIR)" | sha256sum | cut -c1-8)
PG_URL := postgres://postgres@127.0.0.1:5432
TEST_WORKERS ?= 2
TEST_STATIC := var/staticfiles-test

# The suite runs with production settings (DEBUG=0); the test client speaks as the TLS proxy does.
# PORTAL_ENV_FILE=/dev/null: a developer's .env never leaks into the tests.
TEST_ENV := PORTAL_ENV_FILE=/dev/null DEBUG=0 SECRET_KEY=test-only-$(CHECKOUT_ID)-not-for-any-real-installation-0123456789 \
	DATABASE_URL=$${DATABASE_URL:-$(PG_URL)/wir_$(CHECKOUT_ID)} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/1} REDIS_KEY_PREFIX=wir-$(CHECKOUT_ID): \
	ALLOWED_HOSTS=127.0.0.1,localhost,testserver STATIC_ROOT=$(CURDIR)/$(TEST_STATIC)

BENCH_DB := wir_bench_$(CHECKOUT_ID)
BENCH_ENV := PORTAL_ENV_FILE=/dev/null DEBUG=1 DATABASE_URL=$(PG_URL)/$(BENCH_DB) \
	REDIS_URL=redis://127.0.0.1:6379/2 REDIS_KEY_PREFIX=wir-bench-$(CHECKOUT_ID): \
	PRIVATE_MEDIA_ROOT=$(CURDIR)/var/bench-private

.PHONY: install run test lint lock messages system-packages services clean bench-dossiers bench-pages bench-search

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@python_bin="$$(scripts/find-python.sh)" || exit 1; \
	if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)'; then \
		rm -rf $(VENV); echo "Creating $(VENV) with $$python_bin"; "$$python_bin" -m venv $(VENV); \
	fi
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@touch $(STAMP)

# Development settings for this checkout: manage.py reads them, the real environment wins.
.env:
	@printf '# Development settings of this checkout (written by make). Never use in production.\nDEBUG=1\nSECRET_KEY=%s\n' \
		"$$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')" > .env
	@echo "Wrote .env (DEBUG=1, a generated SECRET_KEY)"

run: install .env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:8000

system-packages:
	scripts/install-system-packages.sh

services:
	scripts/start-services.sh

test: install system-packages services $(TEST_STATIC)/staticfiles.json
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	PORTAL_ENV_FILE=/dev/null DEBUG=1 DATABASE_URL=sqlite:///:memory: $(PY) manage.py makemigrations --check --dry-run
	$(TEST_ENV) $(PY) -m pytest -n $(TEST_WORKERS) --dist worksteal --durations=15 $(PYTEST_ARGS)

# Collected again only when a static file or an installed package changed.
$(TEST_STATIC)/staticfiles.json: $(STAMP) $(shell find static -type f)
	$(TEST_ENV) $(PY) manage.py collectstatic --noinput -v0 --clear

# Renders 24 evaluation dossiers with 2 Celery worker processes in a database of its own, dropped afterwards.
bench-dossiers: install system-packages services
	psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $(BENCH_DB)" >/dev/null
	psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $(BENCH_DB)" >/dev/null
	status=0; \
	$(BENCH_ENV) $(PY) manage.py migrate --noinput -v0 && \
	$(BENCH_ENV) $(PY) manage.py bench_dossiers --workers 2 || status=$$?; \
	psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $(BENCH_DB) WITH (FORCE)" >/dev/null; \
	rm -rf $(CURDIR)/var/bench-private; \
	exit $$status

# Times the pages that grow with a cycle at 24, 240 and 2,400 alliances, then drives gunicorn (2 sync workers,
# DEBUG=0) with Locust: the mix for BENCH_LOAD_SECONDS (0: no load test), the dashboard alone at the smallest
# size. A database of its own, dropped afterwards; e.g. `make bench-pages BENCH_SIZES=24,240 BENCH_LOAD_SECONDS=30`.
BENCH_SIZES ?= 24,240,2400
BENCH_RUNS ?= 7
BENCH_LOAD_SECONDS ?= 60
BENCH_DASHBOARD_SECONDS ?= 20
BENCH_PAGES ?=
BENCH_PAGES_DB := wir_bench_pages_$(CHECKOUT_ID)
BENCH_PAGES_ENV := PORTAL_ENV_FILE=/dev/null DEBUG=0 DATABASE_URL=$(PG_URL)/$(BENCH_PAGES_DB) \
	REDIS_URL=redis://127.0.0.1:6379/2 REDIS_KEY_PREFIX=wir-bench-pages-$(CHECKOUT_ID): \
	ALLOWED_HOSTS=127.0.0.1,testserver STATIC_ROOT=$(CURDIR)/var/bench-static \
	PRIVATE_MEDIA_ROOT=$(CURDIR)/var/bench-private

bench-pages: install system-packages services
	psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $(BENCH_PAGES_DB)" >/dev/null
	psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $(BENCH_PAGES_DB)" >/dev/null
	status=0; export SECRET_KEY="bench-$$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')"; \
	$(BENCH_PAGES_ENV) $(PY) manage.py migrate --noinput -v0 && \
	$(BENCH_PAGES_ENV) $(PY) manage.py collectstatic --noinput -v0 --clear && \
	$(BENCH_PAGES_ENV) $(PY) manage.py bench_pages --sizes $(BENCH_SIZES) --runs $(BENCH_RUNS) \
		--pages "$(BENCH_PAGES)" --load-seconds $(BENCH_LOAD_SECONDS) \
		--dashboard-seconds $(BENCH_DASHBOARD_SECONDS) || status=$$?; \
	psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $(BENCH_PAGES_DB) WITH (FORCE)" >/dev/null; \
	rm -rf $(CURDIR)/var/bench-private $(CURDIR)/var/bench-static $(CURDIR)/var/bench-pages; \
	exit $$status

# Times the search at 240 alliances (every text indexed, 25-page documents): about ten typical queries as the
# programme office and as a manager, median and p95 per query (target: median 100 ms). A database of its own,
# dropped afterwards; e.g. `make bench-search BENCH_SEARCH_SIZE=24 BENCH_SEARCH_RUNS=5`.
BENCH_SEARCH_SIZE ?= 240
BENCH_SEARCH_RUNS ?= 15
BENCH_SEARCH_DB := wir_bench_search_$(CHECKOUT_ID)
BENCH_SEARCH_ENV := PORTAL_ENV_FILE=/dev/null DEBUG=0 DATABASE_URL=$(PG_URL)/$(BENCH_SEARCH_DB) \
	REDIS_URL=redis://127.0.0.1:6379/2 REDIS_KEY_PREFIX=wir-bench-search-$(CHECKOUT_ID): \
	ALLOWED_HOSTS=127.0.0.1,testserver STATIC_ROOT=$(CURDIR)/var/bench-search-static \
	PRIVATE_MEDIA_ROOT=$(CURDIR)/var/bench-search-private

bench-search: install system-packages services
	psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $(BENCH_SEARCH_DB)" >/dev/null
	psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $(BENCH_SEARCH_DB)" >/dev/null
	status=0; export SECRET_KEY="bench-$$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')"; \
	$(BENCH_SEARCH_ENV) $(PY) manage.py migrate --noinput -v0 && \
	$(BENCH_SEARCH_ENV) $(PY) manage.py collectstatic --noinput -v0 --clear && \
	$(BENCH_SEARCH_ENV) $(PY) manage.py bench_search --size $(BENCH_SEARCH_SIZE) --runs $(BENCH_SEARCH_RUNS) || status=$$?; \
	psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $(BENCH_SEARCH_DB) WITH (FORCE)" >/dev/null; \
	rm -rf $(CURDIR)/var/bench-search-private $(CURDIR)/var/bench-search-static; \
	exit $$status

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

# Line wrapping pinned, so only real changes show in the catalogue's diff. locale/de only overrides allauth's
# informal German: it is compiled, never regenerated (the portal's own msgids are German).
messages: install
	PORTAL_ENV_FILE=/dev/null DEBUG=1 $(PY) manage.py makemessages --locale en --no-obsolete --no-wrap \
		--ignore '.venv/*' --ignore 'var/*'
	PORTAL_ENV_FILE=/dev/null DEBUG=1 $(PY) manage.py compilemessages --locale en --ignore '.venv/*'
	PORTAL_ENV_FILE=/dev/null DEBUG=1 $(PY) manage.py compilemessages --locale de --ignore '.venv/*'

# Re-resolves the pinned direct dependencies of pyproject.toml (with the test extra) into requirements.lock.
# uv reads the static [project] table directly, so the project needs no build system or package layout.
lock: install
	$(VENV)/bin/uv pip compile pyproject.toml --extra test --python $(PY) --quiet --no-header \
		--output-file requirements.lock

clean:
	rm -rf $(VENV) var db.sqlite3
