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

# PostgreSQL for the second run of the whole suite (this machine: trust auth, database test).
TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/test
PG_ANSWERS := $(BIN)/python -c "import psycopg, sys; psycopg.connect(sys.argv[1], connect_timeout=3).close()" "$(TEST_POSTGRES_URL)" 2>/dev/null

# Both databases at once (tests/run_suites.sh); without PostgreSQL, SQLite alone, said plainly.
test: lint typecheck
	@if $(PG_ANSWERS); then \
		echo "The whole suite on SQLite and, at the same time, on PostgreSQL ($(TEST_POSTGRES_URL))"; \
		tests/run_suites.sh "$(TEST_POSTGRES_URL)"; \
	else \
		echo "SKIPPED the PostgreSQL run: no PostgreSQL answers at $(TEST_POSTGRES_URL) (set TEST_POSTGRES_URL)"; \
		tests/run_suites.sh; \
	fi

unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit

bench: $(STAMP)
	$(BIN)/python bench/forms.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
