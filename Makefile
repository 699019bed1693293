# Two commands do all the set-up: `make test` builds .venv and runs the tests,
# `make run` runs the service. `make check` is what CI runs.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test check lint typecheck imports run bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,dev]'
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

imports: $(STAMP)
	$(BIN)/lint-imports

check: lint typecheck imports test

run: $(STAMP)
	$(BIN)/lookout run $(ARGS)

bench: $(STAMP)
	@for script in $(filter-out bench/__init__.py bench/scoring.py,$(wildcard bench/*.py)); do \
		module=$$(basename $$script .py); echo "== bench.$$module"; \
		$(BIN)/python -m bench.$$module || exit 1; \
	done

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
