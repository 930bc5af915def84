# Two entry points for a fresh machine with Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test install sample benchmark clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

## Run the whole pipeline (ingest -> build -> report) on the bundled demonstration data.
run: $(STAMP)
	$(BIN)/fsot run

## Run the whole test suite.
test: $(STAMP)
	$(BIN)/python -m pytest -q

## Regenerate the bundled demonstration data (deterministic).
sample: $(STAMP)
	$(BIN)/python -m pipeline.demonstration_data

## Time the statistical methods against their targets; figures go to benchmarks/results/.
benchmark: $(STAMP)
	for script in benchmarks/*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) data/processed/*.duckdb reports/20* logs
