# The README's two commands: `make run` and `make test`. Both set everything up on a fresh machine.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell sha256sum requirements.txt | cut -c1-12)
NODE_STAMP := node_modules/.installed-$(shell sha256sum package-lock.json | cut -c1-12)
BUILD  := web/static/build
PORT   ?= 5000
export FLASK_APP := app

.PHONY: install system-libs assets migrate deploy run lint test test-fast test-sqlite test-postgres bench bench-http soak clean

$(STAMP): requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	rm -f $(VENV)/.installed-* && touch $@

install: system-libs $(STAMP)

# System libraries: Pango, which WeasyPrint draws the reports' PDF with, and its font; poppler-utils'
# pdftoppm, with which the browser tests draw the PDF's first page to look at. Installed when missing.
SYSTEM_LIBS := libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core poppler-utils
system-libs:
	@dpkg -s $(SYSTEM_LIBS) >/dev/null 2>&1 || { apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(SYSTEM_LIBS); }

# The pages' front-end packages (package-lock.json), built into a git-ignored folder the app serves.
$(NODE_STAMP): package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	rm -f node_modules/.installed-* && touch $@

$(BUILD)/app.css: $(NODE_STAMP) web/assets/app.scss
	mkdir -p $(BUILD)
	npx sass --pkg-importer=node --no-source-map --style=compressed --quiet-deps web/assets/app.scss $@

# bpmn-js ships its NavigatedViewer as one browser bundle (window.BpmnJS) with its styles and font.
# The editors (bpmn-js Modeler with its properties panel, bpmnlint and dmn-js) are bundled by esbuild.
assets: $(BUILD)/app.css web/assets/app.js web/assets/case.js web/assets/diff.js web/assets/replay.js
	cp web/assets/app.js web/assets/case.js web/assets/diff.js web/assets/replay.js node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js $(BUILD)/
	rm -rf $(BUILD)/images && cp -r node_modules/govuk-frontend/dist/govuk/assets/images $(BUILD)/images
	rm -rf $(BUILD)/bpmn && mkdir -p $(BUILD)/bpmn
	cp -r node_modules/bpmn-js/dist/bpmn-navigated-viewer.production.min.js node_modules/bpmn-js/dist/assets/*.css \
	  node_modules/bpmn-js/dist/assets/bpmn-font $(BUILD)/bpmn/
	rm -rf $(BUILD)/modeller
	npx esbuild web/assets/modeller/bpmn-modeller.js web/assets/modeller/dmn-modeller.js --bundle --minify \
	  --format=iife --log-level=warning --outdir=$(BUILD)/modeller
	npx esbuild web/assets/modeller/modeller.css --bundle --minify --log-level=warning --outdir=$(BUILD)/modeller \
	  --loader:.woff=file --loader:.woff2=file --loader:.ttf=file --loader:.eot=file --loader:.svg=file

migrate: install
	$(PY) -m flask db-upgrade

deploy: migrate assets
	$(PY) -m flask seed-demo
	$(PY) -m flask deploy

# The timer worker runs beside the server and stops with it.
run: deploy
	$(PY) -m flask worker & WORKER=$$!; trap 'kill $$WORKER 2>/dev/null' EXIT INT TERM; \
	$(PY) -m flask run --host 127.0.0.1 --port $(PORT)

# Runs on SQLite unless DATABASE_URL names another database; the browser tests (Debian's Chromium)
# are part of it. `make test-fast` leaves them out, for a quick local run (CI never does).
# TEST_WORKERS processes share the tests file by file; on PostgreSQL each has a database of its own
# beside DATABASE_URL's (tests/conftest.py). TEST_WORKERS=0 runs them in this process.
TEST_WORKERS ?= 2
PYTEST := $(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile

# The linter and the type checker (pyproject.toml) before every test run: a finding fails `make test`.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

test: install assets lint
	$(PYTEST)

test-fast: install assets lint
	$(PYTEST) -m "not browser"

test-sqlite: install assets lint
	env -u DATABASE_URL $(PYTEST)

test-postgres: install assets lint
	DATABASE_URL=$${DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} $(PYTEST)

bench: install
	$(PY) -m bench

# The service over HTTP under gunicorn, both databases (bench/README.md, "Over HTTP");
# `make bench-http BENCH_ARGS=--quick` for a smoke run, BENCH_ARGS="--db postgres" for one database.
BENCH_ARGS ?=
bench-http: install
	$(PY) -m bench.over_http $(BENCH_ARGS)

# 10,000 due timers, two workers, on the PostgreSQL at 127.0.0.1:5432 (bench/README.md)
soak: install
	$(PY) -m bench.soak

clean:
	rm -rf $(VENV) instance node_modules $(BUILD)
