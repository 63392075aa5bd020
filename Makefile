# The portal's everyday commands. `make run` and `make test` work on a fresh machine
# with Python 3.11+; everything else is installed into .venv.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-dev migrate demo lint format messages collectstatic clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

migrate: install
	$(BIN)/python manage.py migrate --no-input

demo: migrate
	$(BIN)/python manage.py load_demo

# The whole first run: virtualenv, install, migrate, demo data and users, server.
run: demo
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# The whole suite; on PostgreSQL when DATABASE_URL is set, else on SQLite.
test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Regenerate the Thai catalogue after changing strings (needs GNU gettext).
messages: install
	$(BIN)/python manage.py makemessages --locale th --no-obsolete --ignore ".venv/*"
	$(BIN)/python manage.py compilemessages --locale th

collectstatic: install
	$(BIN)/python manage.py collectstatic --no-input

clean:
	rm -rf $(VENV) staticfiles
