# The two commands: `make demo` and `make test`. Both create .venv when it is missing and install
# what they need; under CI=true (or as root) missing system packages (Java for Spark) are installed
# with apt-get.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DEMO   ?= demo-output

.PHONY: demo test lint typecheck pytest bench system-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@ $(VENV)/.installed

# Java runs the Spark twin of every analysis test.
system-deps:
	@if ! command -v java >/dev/null 2>&1; then \
	  if [ "$${CI:-}" = "true" ] || [ "$$(id -u)" = "0" ]; then \
	    echo "installing a Java runtime for the Spark tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless; \
	  else \
	    echo "Java 17+ is needed for the Spark tests: install default-jre-headless"; exit 1; \
	  fi; \
	fi

demo: $(VENV)/.installed
	$(BIN)/socialroi demo --out $(DEMO)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy --strict src

pytest: $(VENV)/.installed-dev system-deps
	$(BIN)/pytest

test: lint typecheck pytest

bench: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/bench_import_summary.py

clean:
	rm -rf $(DEMO) .pytest_cache .mypy_cache .ruff_cache
