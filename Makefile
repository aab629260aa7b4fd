# Parcours — make help lists the targets.
PY ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: help setup demo test test-fast lint format eval bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip wheel
	$(BIN)/python -m pip install -q "torch==2.13.0"
	$(BIN)/python -m pip install -q -e ".[dev]"
	@touch $(STAMP)

setup: $(STAMP) ## create .venv: CPU torch first, then Parcours in editable mode (idempotent)

demo: setup ## generate 8 weeks of sample data, ingest, analyse the last week, write the report
	$(BIN)/parcours demo

test: setup ## run the whole test suite on every core (PostgreSQL tests run when PARCOURS_TEST_POSTGRES_URL is set)
	$(BIN)/python -m pytest --numprocesses=auto --maxprocesses=4 --dist=loadfile

test-fast: setup ## run the unit tests only
	$(BIN)/python -m pytest tests/unit

lint: setup ## ruff check, ruff format --check, mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy core store analytics tools prompts agent api cli evals

format: setup ## apply ruff fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

eval: setup ## quality evals: synthetic suite, DSTC11 insurance and Banking77 through the product path
	$(BIN)/parcours eval

bench: setup ## speed and memory benchmarks on this machine
	$(BIN)/python -m evals.bench

clean: ## remove the virtual environment and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
