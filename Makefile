# Two commands do all the set-up: `make test` builds .venv from uv.lock and runs the
# tests, `make run` runs the service. `make check` is what CI runs.
#
# Every target installs from the lock (`uv sync --frozen`): a fresh clone gets the very
# versions the suite passed with. `make lock` is the one deliberate way to move them.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# uv from PATH, or bootstrapped (pinned, hash-checked) into .tools when it is missing.
UV := $(or $(shell command -v uv 2>/dev/null),.tools/bin/uv)
export UV_PYTHON_DOWNLOADS := never

.PHONY: test check lint typecheck imports run bench reliability lock clean deploy-check image-check

.tools/bin/uv: tools/uv-requirements.txt
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --require-hashes -r tools/uv-requirements.txt
	touch $@

$(STAMP): pyproject.toml uv.lock $(if $(findstring .tools,$(UV)),.tools/bin/uv)
	$(UV) sync --frozen --all-extras --compile-bytecode --python $(PYTHON)
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

# Slow failure scenarios through the real `lookout run`; prints a table of figures.
reliability: $(STAMP)
	$(BIN)/pytest -m reliability -p no:cacheprovider tests/reliability tests/e2e/test_processes.py

run: $(STAMP)
	$(BIN)/lookout run $(ARGS)

bench: $(STAMP)
	@for script in $(filter-out bench/__init__.py bench/scoring.py bench/story_corpus.py,$(wildcard bench/*.py)); do \
		module=$$(basename $$script .py); echo "== bench.$$module"; \
		$(BIN)/python -m bench.$$module || exit 1; \
	done

deploy-check: $(if $(findstring .tools,$(UV)),.tools/bin/uv)
	UV=$(UV) bash tools/check_deploy.sh

# Builds the image and runs compose with three replicas on podman (root, Debian).
image-check: $(if $(findstring .tools,$(UV)),.tools/bin/uv)
	UV=$(UV) bash tools/check_image.sh

lock: $(if $(findstring .tools,$(UV)),.tools/bin/uv)
	$(UV) lock --upgrade

clean:
	rm -rf $(VENV) .tools .mypy_cache .ruff_cache .pytest_cache
