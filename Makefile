# The portal's everyday commands. `make run` and `make test` work on a fresh machine
# with Python 3.11+; everything else is installed into .venv.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-dev migrate demo lint format messages collectstatic clean
.PHONY: security check-deploy backup restore
.PHONY: bench bench-quick soak soak-replicas audit-pages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.installed

# Browser files from the npm registry (package.json, pinned by package-lock.json):
# plotly.js' partial bundle and the Sarabun font, served by bmaproj/staticfinders.py.
# Without npm the portal still runs: plotly's full bundle from PyPI stands in, and
# the system's Thai fonts.
node_modules/.package-lock.json: package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: serving plotly's full bundle and the system fonts"; fi

install: $(VENV)/.installed node_modules/.package-lock.json

install-dev: $(VENV)/.installed-dev node_modules/.package-lock.json

migrate: install
	$(BIN)/python manage.py migrate --no-input

demo: migrate
	$(BIN)/python manage.py load_demo

# The whole first run: virtualenv, install, migrate, demo data and users, server,
# and beside it the notification worker (stopped with the server; mail is printed).
run: demo
	$(BIN)/python manage.py run_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# The whole suite; on PostgreSQL when DATABASE_URL is set, else on SQLite.
test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The benchmark (bench/run.py): builds or reuses 10,000 projects a year in PostgreSQL
# (database bmaproj_bench), runs the portal as in production under gunicorn and
# drives it with wrk; prints a table and writes bench/results.json. bench-quick
# does the same on 100 projects a year in seconds (CI runs it).
BENCH_ARGS ?=
WRK_INSTALL = command -v wrk >/dev/null || { apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

bench: install
	@$(WRK_INSTALL)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

bench-quick: install
	@$(WRK_INSTALL)
	$(BIN)/python bench/run.py --quick --output bench/results-quick.json $(BENCH_ARGS)

# Load and soak (bench/soak.py): 20 staff clients reading and reporting for 60 s
# against gunicorn and PostgreSQL (database bmaproj_soak) on loopback; fails on any
# error or on a database that does not hold exactly the acknowledged updates.
# CI runs SOAK_ARGS="--seconds 10 --clients 8".
SOAK_ARGS ?=

soak: install
	$(BIN)/python bench/soak.py $(SOAK_ARGS)

# The production topology on loopback (bench/soak.py --replicas 2): two gunicorn
# replicas on one PostgreSQL behind nginx (deploy/nginx/portal.conf.template);
# one replica is killed half way. Fails unless every acknowledged update is stored
# exactly once, sessions survive and no page is stale. Installs Debian's nginx if
# missing, without letting the package start a server of its own (policy-rc.d).
# CI runs REPLICA_SOAK_ARGS="--seconds 20 --clients 6".
REPLICA_SOAK_ARGS ?= --seconds 60 --clients 12
NGINX_INSTALL = command -v nginx >/dev/null || { \
	created=; [ -e /usr/sbin/policy-rc.d ] || { \
	printf '\043!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; \
	chmod +x /usr/sbin/policy-rc.d; created=1; }; \
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	apt-get install -y -qq nginx >/dev/null; status=$$?; \
	[ -z "$$created" ] || rm -f /usr/sbin/policy-rc.d; exit $$status; }

soak-replicas: install
	@$(NGINX_INSTALL)
	$(BIN)/python bench/soak.py --replicas 2 $(REPLICA_SOAK_ARGS)

# bandit over the portal's code: any finding of medium or high severity fails.
security: install-dev
	$(BIN)/bandit -q -r bmaproj projects indicators reports notifications evidence api -ll

# Django's deployment checks with production settings (a throwaway secret key).
check-deploy: install
	DEBUG=false ALLOWED_HOSTS=portal.example.go.th \
	SECRET_KEY=check-deploy-$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))') \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

# Back up the database (DATABASE_URL, else SQLite) into backups/; restore one with
# `make restore FILE=backups/<file>` (asks first; RESTORE_ARGS=--no-input does not).
backup: install
	$(BIN)/python manage.py backup

restore: install
	@test -n "$(FILE)" || { echo "usage: make restore FILE=backups/<file>"; exit 2; }
	$(BIN)/python manage.py restore $(RESTORE_ARGS) "$(FILE)"

# Lighthouse (mobile, default throttling) and axe-core (1366 and 390 px) over the
# public pages and the staff and evaluator forms of a running portal with the demo
# data (`make run` in another shell), in Debian's chromium; the tools are pinned in
# audit/package.json and installed into audit/node_modules. Prints a table; fails
# when a page misses a target. AUDIT_ARGS="--only project --lang en".
AUDIT_URL ?= http://$(HOST):$(PORT)
AUDIT_ARGS ?=

audit/node_modules/.package-lock.json: audit/package.json audit/package-lock.json
	npm ci --prefix audit --no-audit --no-fund --loglevel=error

audit-pages: install-dev audit/node_modules/.package-lock.json
	@command -v chromium >/dev/null || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-thai-tlwg >/dev/null; }
	$(BIN)/python audit/pages.py --base $(AUDIT_URL) $(AUDIT_ARGS)

# Regenerate the Thai catalogue after changing strings (needs GNU gettext).
messages: install
	$(BIN)/python manage.py makemessages --locale th --no-obsolete --ignore ".venv/*" \
		--ignore "node_modules/*" --ignore "audit/*"
	$(BIN)/python manage.py compilemessages --locale th --ignore ".venv/*"

collectstatic: install
	$(BIN)/python manage.py collectstatic --no-input

clean:
	rm -rf $(VENV) staticfiles node_modules audit/node_modules
