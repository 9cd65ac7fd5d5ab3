# WIR! Strategy Portal. `make run` serves the demo; `make test` runs the whole suite.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

TEST_ENV := DEBUG=1 \
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/wir_portal} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/1} \
	ALLOWED_HOSTS=127.0.0.1,localhost,testserver

.PHONY: install run test lint lock messages system-packages services clean bench-dossiers

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@python_bin="$$(scripts/find-python.sh)" || exit 1; \
	if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)'; then \
		rm -rf $(VENV); echo "Creating $(VENV) with $$python_bin"; "$$python_bin" -m venv $(VENV); \
	fi
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@touch $(STAMP)

run: install
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py seed_demo
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:8000

system-packages:
	scripts/install-system-packages.sh

services:
	scripts/start-services.sh

test: install system-packages services
	$(VENV)/bin/ruff check .
	DEBUG=1 DATABASE_URL=sqlite:///:memory: $(PY) manage.py makemigrations --check --dry-run
	$(TEST_ENV) $(PY) manage.py collectstatic --noinput -v0
	$(TEST_ENV) $(PY) -m pytest $(PYTEST_ARGS)

# Renders 24 evaluation dossiers with 2 Celery worker processes in a separate benchmark database.
bench-dossiers: install system-packages services
	-psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS wir_bench" >/dev/null
	psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE wir_bench" >/dev/null
	DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/wir_bench REDIS_URL=redis://127.0.0.1:6379/2 \
		PRIVATE_MEDIA_ROOT=$(CURDIR)/var/bench-private $(PY) manage.py migrate --noinput -v0
	DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/wir_bench REDIS_URL=redis://127.0.0.1:6379/2 \
		PRIVATE_MEDIA_ROOT=$(CURDIR)/var/bench-private $(PY) manage.py bench_dossiers --workers 2

lint: install
	$(VENV)/bin/ruff check .

messages: install
	DEBUG=1 $(PY) manage.py makemessages --locale en --no-obsolete --ignore '.venv/*' --ignore 'var/*'
	DEBUG=1 $(PY) manage.py compilemessages --locale en --ignore '.venv/*'

# Re-resolves the pinned direct dependencies of pyproject.toml into requirements.lock.
lock:
	@python_bin="$$(scripts/find-python.sh)" || exit 1; rm -rf /tmp/wir-lock-venv; \
	"$$python_bin" -m venv /tmp/wir-lock-venv && /tmp/wir-lock-venv/bin/pip install --quiet '.[test]' && \
	/tmp/wir-lock-venv/bin/pip freeze --exclude-editable | grep -v '^wir-strategy-portal' > requirements.lock

clean:
	rm -rf $(VENV) var db.sqlite3
