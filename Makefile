# govcloud — the two commands are `make run` and `make test`; the rest are conveniences.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test test-slow test-all lint typecheck migrations-check pytest format clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --editable .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --editable '.[dev]'
	touch $@ $(RUN_STAMP)

## run: install, migrate, load the demo city and serve on http://127.0.0.1:8000/
run: $(RUN_STAMP)
	$(BIN)/govcloud serve --demo

## test: ruff, mypy, models-vs-migrations check, then the everyday suite (all but `slow`)
test: lint typecheck migrations-check pytest

## test-slow: the slow suites — SSH hosts in network namespaces, Chromium journeys and the
## crawler, multi-process workers and agents, generated attacks (CI runs it after `make test`)
test-slow: $(DEV_STAMP)
	$(BIN)/pytest -m slow $(PYTEST_ARGS)

## test-all: both
test-all: test test-slow

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	cd playbooks && PATH=$(CURDIR)/$(BIN):$$PATH ../$(BIN)/ansible-lint --offline -q --nocolor *.yml

typecheck: $(DEV_STAMP)
	$(BIN)/mypy .

migrations-check: $(DEV_STAMP)
	@tmp=$$(mktemp -d) && \
	GOVCLOUD_DEMO=1 GOVCLOUD_DATABASE_URL=sqlite:///$$tmp/check.db $(BIN)/govcloud db upgrade && \
	GOVCLOUD_DEMO=1 GOVCLOUD_DATABASE_URL=sqlite:///$$tmp/check.db $(BIN)/govcloud db check; \
	status=$$?; rm -rf $$tmp; exit $$status

pytest: $(DEV_STAMP)
	$(BIN)/pytest -m "not slow" $(PYTEST_ARGS)

format: $(DEV_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache govcloud.db govcloud.db-wal govcloud.db-shm
