# The README's two commands: `make run` and `make test`. Both set everything up on a fresh machine.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell sha256sum requirements.txt | cut -c1-12)
PORT   ?= 5000
export FLASK_APP := app

.PHONY: install migrate deploy run test test-sqlite test-postgres bench soak clean

$(STAMP): requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

migrate: install
	$(PY) -m flask db-upgrade

deploy: migrate
	$(PY) -m flask seed-demo
	$(PY) -m flask deploy

# The timer worker runs beside the server and stops with it.
run: deploy
	$(PY) -m flask worker & WORKER=$$!; trap 'kill $$WORKER 2>/dev/null' EXIT INT TERM; \
	$(PY) -m flask run --host 127.0.0.1 --port $(PORT)

# Runs on SQLite unless DATABASE_URL names another database.
test: install
	$(PY) -m pytest -q

test-sqlite: install
	env -u DATABASE_URL $(PY) -m pytest -q

test-postgres: install
	DATABASE_URL=$${DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} $(PY) -m pytest -q

bench: install
	$(PY) -m bench

# 10,000 due timers, two workers, on the PostgreSQL at 127.0.0.1:5432 (bench/README.md)
soak: install
	$(PY) -m bench.soak

clean:
	rm -rf $(VENV) instance
