# make audit: the suite on the bundled 2026-02-08 estate; reports/ gets the HTML report,
#             closeout.md, results.json and junit.xml.
# make test:  the suite's own tests (every check proven both ways).
VENV    ?= .venv
BIN      = $(VENV)/bin
ESTATE  ?= fixtures/estate-2026-02-08
REPORTS ?= reports

.PHONY: setup audit test bench lint

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $@

setup: $(VENV)/.installed

# Exit 1 means the audit found drift, which is its job; anything else is an error.
audit: setup
	mkdir -p $(REPORTS)
	$(BIN)/pytest tests -m "static or crossrepo" -q \
	  --spine-root $(ESTATE)/agentic-spine --workbench-root $(ESTATE)/workbench \
	  --ssot-report-dir $(REPORTS); \
	  status=$$?; [ $$status -le 1 ] || exit $$status

test: setup
	$(BIN)/pytest -n auto

bench: setup
	$(BIN)/python bench/run.py

lint: setup
	$(BIN)/ruff check ssot_audit tests selftest bench
	$(BIN)/ruff format --check ssot_audit tests selftest bench
