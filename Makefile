# Bilten Analytics. Quick start: `make dev`, `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
ROLE    ?= admin
USER_ID ?= admin

.PHONY: venv dev test test-fast test-e2e bench token job lint clean package fuzz

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q "pip<26.3"  # chalice 1.34 requires pip < 26.3
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

## Local stack: moto server, tables, chalice local, stream pump, scheduler, demo data.
dev: venv
	$(BIN)/python -m local.stack

## The whole suite: fast tests first, then the local stack end to end, then the browser.
test: venv
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest tests/unit tests/integration -n 2 --dist loadgroup
	$(BIN)/python -m pytest tests/e2e

test-fast: venv
	$(BIN)/python -m pytest tests/unit tests/integration -n 2 --dist loadgroup

bench: venv
	@for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

## A longer schemathesis run over every documented operation (the test gate runs a bounded one).
fuzz: venv
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-150} $(BIN)/python -m pytest tests/e2e/test_fuzz.py -s

## Deployable artefacts (SAM template + function zip + binary layer) under build/package/prod, offline.
package: venv
	$(BIN)/python -m infrastructure.package --stage prod

token: venv
	@$(BIN)/python -m chalicelib.cli token --role $(ROLE) --user-id $(USER_ID)

## One scheduled job, once, on the running `make dev` stack: `make job NAME=ab-results` (names: list-jobs).
job: venv
	@test -n "$(NAME)" || { echo "usage: make job NAME=<job>  (one of:)"; $(BIN)/python -m chalicelib.cli list-jobs; exit 2; }
	@$(BIN)/python -m chalicelib.cli --local run-job $(NAME) $(ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) .dev test-artifacts
