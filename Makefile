# Safespace: `make run` for the demo, `make test` for the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# `make run` is the demo: an embedded SQLite database under var/, tasks run eagerly.
DEMO_ENV := DJANGO_DEBUG=1 DATABASE_URL=sqlite:///$(CURDIR)/var/db.sqlite3 REDIS_URL=

.PHONY: install run test lint messages translations clean help bench

help:
	@echo "make run    set up and serve the demo on http://127.0.0.1:8000"
	@echo "make test   run the whole test suite (SQLite, or PostgreSQL when DATABASE_URL is set)"
	@echo "make lint   ruff"
	@echo "make bench  generate a synthetic organisation and write BENCHMARKS.md (BENCH_SCALE=small|large)"
	@echo "make bench-load  after make bench on PostgreSQL (same DATABASE_URL): 20 simulated staff on gunicorn for 60 s"
	@echo "make messages  extract strings into locale/*/LC_MESSAGES/django.po (needs GNU gettext)"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Safespace needs Python 3.11 or newer; set PYTHON=python3.11 (or newer).")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

translations: install
	DJANGO_DEBUG=1 $(BIN)/python manage.py compiletranslations

run: translations
	@mkdir -p var
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEMO_ENV) $(BIN)/python manage.py seed_demo --if-empty
	$(DEMO_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

test: translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

messages: install
	DJANGO_DEBUG=1 $(BIN)/python manage.py makemessages --locale fr --no-obsolete --no-location \
		--ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*'

# `make bench`: SQLite in a fresh var/bench.sqlite3 by default; for PostgreSQL,
# `make bench DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench` (the database is
# dropped and recreated, which the command allows only for a name starting with "bench").
BENCH_SCALE ?= large
BENCH_DATABASE_URL = $(if $(strip $(DATABASE_URL)),$(DATABASE_URL),sqlite:///$(CURDIR)/var/bench.sqlite3)

bench: translations
	@mkdir -p var
	DJANGO_DEBUG=1 REDIS_URL= DATABASE_URL=$(BENCH_DATABASE_URL) \
		$(BIN)/python manage.py bench --fresh --scale $(BENCH_SCALE) --output BENCHMARKS.md

# `make bench-load DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench`, after `make bench`
# with the same DATABASE_URL: gunicorn (2 workers, 127.0.0.1 only) serves that organisation to
# 20 simulated staff (locust) for 60 s; writes its section of BENCHMARKS.md. PostgreSQL only;
# BENCH_LOAD_ARGS="--users 10 --seconds 30" for a shorter run.
.PHONY: bench-load
bench-load: translations
	DJANGO_DEBUG=1 REDIS_URL= DATABASE_URL=$(BENCH_DATABASE_URL) \
		$(BIN)/python manage.py bench_load --output BENCHMARKS.md $(BENCH_LOAD_ARGS)

clean:
	rm -rf $(VENV) var/static
