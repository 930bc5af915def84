# Two entry points for a fresh machine with Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run demo test test-fast lint format install system-packages sample benchmark clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP) system-packages

## Debian packages the report needs: headless Chromium (HTML -> PDF, browser tests) and pdftoppm.
## Installed only when missing, so a machine that has them stays offline.
SYSTEM_PACKAGES := chromium poppler-utils fonts-dejavu-core
system-packages:
	@if command -v chromium >/dev/null && command -v pdftoppm >/dev/null; then exit 0; fi; \
	hint="apt-get update && apt-get install -y --no-install-recommends $(SYSTEM_PACKAGES)"; \
	if [ "$$(id -u)" = 0 ]; then sudo=""; \
	elif command -v sudo >/dev/null; then sudo="sudo"; \
	else echo "error: Chromium or pdftoppm is missing and sudo is not available; as root run: $$hint" >&2; exit 1; fi; \
	echo "Installing $(SYSTEM_PACKAGES) from Debian's packages ..."; \
	{ $$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(SYSTEM_PACKAGES) >/dev/null && \
	  command -v chromium >/dev/null && command -v pdftoppm >/dev/null; } || \
	{ echo "error: could not install $(SYSTEM_PACKAGES); as root run: $$hint" >&2; exit 1; }

## Run the whole pipeline (ingest -> build -> report) on the real public data bundled in data/raw/public/ (fsot.toml).
run: $(STAMP) system-packages
	$(BIN)/fsot run

## The same on the synthetic demonstration data (demonstration.toml; reports/demonstration/).
demo: $(STAMP) system-packages
	$(BIN)/fsot run --config demonstration.toml

## Run the whole test suite (with the doctests of pipeline/methods).
test: $(STAMP) system-packages
	$(BIN)/python -m pytest -q

## The tests that need neither a built warehouse nor Chromium (markers `slow`, `browser`): under a minute.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow and not browser"

## Lint: ruff check (rules in pyproject.toml), ruff format --check (the tree is formatted: `make format`) and
## mypy (strict on pipeline/methods and the configuration).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## Reformat the whole tree with ruff format (settings in pyproject.toml).
format: $(STAMP)
	$(BIN)/ruff format .

## Regenerate the bundled demonstration data (deterministic).
sample: $(STAMP)
	$(BIN)/python -m tools.demonstration_data

## Time the statistical methods and every stage of the pipeline (seconds and peak memory per stage)
## against their targets; figures go to benchmarks/results/ with the git revision. Several minutes:
## the 200 MB local drop alone takes long (`python benchmarks/large_local_drop.py --rows 330000` is quicker).
benchmark: $(STAMP)
	for script in benchmarks/*.py; do \
	  case $$script in */stages.py) continue;; esac; \
	  echo "== $$script"; $(BIN)/python $$script || exit 1; \
	done

clean:
	rm -rf $(VENV) data/processed/*.duckdb data/processed/demonstration reports/20* reports/demonstration logs
