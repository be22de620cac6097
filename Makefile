# The two commands a newcomer needs: `make run` and `make test`. Both create .venv when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck unit bench clean assets

$(STAMP): pyproject.toml frontend/package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	sh frontend/build.sh
	touch $(STAMP)

# The resident pages' CSS/JS/images (govuk-frontend via npm); skipped with a message without npm.
assets:
	sh frontend/build.sh

run: $(STAMP)
	$(BIN)/counterfoil dev

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/python -m pytest

unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit

bench: $(STAMP)
	$(BIN)/python bench/forms.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
