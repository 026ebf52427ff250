# Two commands for a newcomer: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SCALE ?= 0.1

.PHONY: demo serve test lint schema migrate bench clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,tracing]'
	touch $@

install: $(VENV)/.installed

demo: $(VENV)/.installed  ## embedded PostgreSQL, demo data, serve on 127.0.0.1:8000
	$(BIN)/gateway demo --scale $(SCALE)

serve: $(VENV)/.installed
	$(BIN)/gateway serve

migrate: $(VENV)/.installed
	$(BIN)/gateway migrate

test: $(VENV)/.installed  ## the whole suite
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .

schema: $(VENV)/.installed  ## rewrite schema.graphql from the code
	$(BIN)/gateway export-schema schema.graphql

bench: $(VENV)/.installed  ## needs DATABASE_URL (a server where scratch databases may be created)
	$(BIN)/python bench/load_and_query.py --scale 1
	$(BIN)/python bench/marketing_routes.py --scales 1 10

clean:
	rm -rf $(VENV) .pytest_cache

migration-reset: $(VENV)/.installed  ## regenerate the single pre-release migration from the models
	$(BIN)/python -m gateway.devtools reset-migration

docs: $(VENV)/.installed  ## regenerate docs/ingestion.md, and the dashboard page's documents.json
	$(BIN)/python -m gateway.devtools ingestion-docs docs/ingestion.md
	$(BIN)/python -m gateway.devtools dashboard-documents
