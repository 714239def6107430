# The two commands: `make demo` and `make test`. Both create .venv when it is missing and install
# what they need; under CI=true (or as root) missing system packages (Java for Spark, Pango for
# the PDF report, poppler and Chromium for its tests) are installed with apt-get.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DEMO   ?= demo-output

.PHONY: demo test lint typecheck pytest bench system-deps pdf-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@ $(VENV)/.installed

# apt-get installs what is missing under CI=true or as root; otherwise names it and stops.
define apt_install
	@if [ -n "$(strip $(1))" ]; then \
	  if [ "$${CI:-}" = "true" ] || [ "$$(id -u)" = "0" ]; then \
	    echo "installing: $(strip $(1))"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(1); \
	  else \
	    echo "missing system packages: $(strip $(1)) (apt-get install them)"; exit 1; \
	  fi; \
	fi
endef

# Pango (with HarfBuzz subsetting) lays out the PDF report in WeasyPrint; DejaVu is its font.
PDF_MISSING = $(shell ls /usr/lib/*/libpangoft2-1.0.so.0 >/dev/null 2>&1 || echo libpango-1.0-0 libpangoft2-1.0-0) \
              $(shell ls /usr/lib/*/libharfbuzz-subset.so.0 >/dev/null 2>&1 || echo libharfbuzz-subset0) \
              $(shell test -d /usr/share/fonts/truetype/dejavu || echo fonts-dejavu-core)
# Java runs the Spark twin of every analysis test; poppler-utils (pdftoppm, pdftotext) and
# Chromium check the rendered reports in tests/report.
TEST_MISSING = $(shell command -v java >/dev/null 2>&1 || echo default-jre-headless) \
               $(shell command -v pdftoppm >/dev/null 2>&1 || echo poppler-utils) \
               $(shell test -x /usr/bin/chromium || echo chromium)

pdf-deps:
	$(call apt_install,$(PDF_MISSING))

system-deps:
	$(call apt_install,$(PDF_MISSING) $(TEST_MISSING))

demo: $(VENV)/.installed pdf-deps
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
	$(BIN)/python benchmarks/bench_report.py

clean:
	rm -rf $(DEMO) .pytest_cache .mypy_cache .ruff_cache
