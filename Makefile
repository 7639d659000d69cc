# Rempart — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: run test lint format messages check-messages clean help

help:
	@echo "make run    install what is missing, migrate, start the platform at http://127.0.0.1:8000"
	@echo "make test   run the whole test suite (embedded mode; scale mode when REMPART_TEST_* are set)"
	@echo "make lint   ruff, mypy, migrations and translation checks"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.run-deps: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev-deps: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.run-deps

run:
	@tools/system-deps.sh run
	@$(MAKE) --no-print-directory $(VENV)/.run-deps
	$(BIN)/rempart run

test:
	@tools/system-deps.sh test
	@$(MAKE) --no-print-directory $(VENV)/.dev-deps
	$(BIN)/pytest -n auto --dist loadgroup $(PYTEST_ARGS)

lint: $(VENV)/.dev-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy rempart config
	$(BIN)/python tools/check_file_size.py
	$(BIN)/python tools/check_tenant_access.py
	$(BIN)/python tools/check_engine_isolation.py
	$(BIN)/python tools/check_translations.py --extract
	$(BIN)/python tools/check_config_docs.py
	REMPART_HOME=$$(mktemp -d) REMPART_SECRET_KEY=offline REMPART_ENCRYPTION_KEY=offline $(BIN)/rempart makemigrations --check --dry-run

format: $(VENV)/.dev-deps
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Extract new strings (needs GNU gettext), then translate locale/fr/LC_MESSAGES/django.po
# and run `make compile-messages`; the compiled .mo files are committed.
messages: $(VENV)/.dev-deps
	REMPART_HOME=$$(mktemp -d) REMPART_SECRET_KEY=offline REMPART_ENCRYPTION_KEY=offline $(BIN)/rempart makemessages -l fr --no-obsolete \
		--ignore ".venv/*" --ignore "var/*" --ignore "*/tests/*" --ignore "tests/*" --ignore "bench/*"
	$(BIN)/python tools/check_translations.py --report

compile-messages: $(VENV)/.dev-deps
	REMPART_HOME=$$(mktemp -d) REMPART_SECRET_KEY=offline REMPART_ENCRYPTION_KEY=offline $(BIN)/rempart compilemessages --ignore ".venv"

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache
