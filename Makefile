# Two commands set everything up on a machine that has only Python 3.11+:
#   make run   - virtual environment, install, run the daemon on the bundled example data
#   make test  - the same set-up, then the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint docs bench-ingest clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/monitor --config settings.toml run

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy monitor connectors analysis

# README.md's command reference, regenerated from every command's --help (tests fail when it is stale).
docs: $(STAMP)
	$(BIN)/cog -r README.md

bench-ingest: $(STAMP)
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) data/*.db data/*.db-* .pytest_cache

# docs/report.png, the README's screenshot of a weekly report: the example data in a temporary
# database, `monitor report --week 2026-W45`, headless Chromium (apt-get install chromium).
.PHONY: report-png
report-png: $(STAMP)
	$(BIN)/python docs/make_report_png.py
