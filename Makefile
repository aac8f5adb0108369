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

# The bundled estate is judged at its own date; its test hosts (fixtures/hosts/, real sshd in
# namespaces: needs root and openssh-server) give the live checks, and a generated workstation
# (fixtures/workstation.py: a home and stub commands on PATH) the local ones. Where the hosts
# cannot start, the live tests skip and say why. Exit 1 means the audit found drift, which is
# its job. The closeout of the aligned estate: make audit ESTATE=fixtures/estate-aligned HOSTS=aligned
NOW        ?= 2026-02-08T20:00:00Z
HOSTS      ?= drifted
HOSTS_DIR   = $(abspath $(REPORTS))/hosts
DESK        = $(abspath $(REPORTS))/workstation
LIVE_HOSTS  = --hosts=ssh://pve,ssh://proxmox-home,ssh://infra-core --ssh-config=$(HOSTS_DIR)/ssh_config

audit: setup
	mkdir -p $(REPORTS)
	rm -rf $(DESK) && $(BIN)/python fixtures/workstation.py $(ESTATE) $(DESK) >/dev/null
	@if $(BIN)/python fixtures/hosts/launch.py start $(HOSTS) --workdir $(HOSTS_DIR) >$(REPORTS)/hosts.log 2>&1; \
	  then live="$(LIVE_HOSTS)"; else live=""; echo "test hosts did not start (see $(REPORTS)/hosts.log)"; fi; \
	PATH="$(DESK)/bin:$$PATH" $(BIN)/pytest tests -m "static or crossrepo or live or local" -q --tb=no -rN --now $(NOW) \
	  --spine-root $(ESTATE)/agentic-spine --workbench-root $(ESTATE)/workbench \
	  --mint-modules-root $(ESTATE)/mint-modules --home $(DESK)/home $$live --ssot-report-dir $(REPORTS); \
	status=$$?; $(BIN)/python fixtures/hosts/launch.py stop --workdir $(HOSTS_DIR) >/dev/null 2>&1; \
	[ $$status -le 1 ] || exit $$status

test: setup
	$(BIN)/pytest -n auto

bench: setup
	$(BIN)/python bench/run.py
	$(BIN)/python bench/hook.py
	@if [ -n "$$SPINE_MIRROR" ]; then $(BIN)/python bench/history.py; \
	  else echo "bench/history.py: skipped (set SPINE_MIRROR to a bare clone of the public spine)"; fi

lint: setup
	$(BIN)/ruff check ssot_audit tests selftest bench
	$(BIN)/ruff format --check ssot_audit tests selftest bench
