# Two commands do all the set-up on a fresh machine with only Python 3.11+ and pip:
#   make demo   - every flow end to end against the bundled sandboxes, history in a Prefect server
#   make test   - the whole test suite (SQLite and PostgreSQL)
#   make serve  - the flows as Prefect deployments: server, worker, webhook intake, schedules and triggers
PY ?= python3
UV_VERSION := 0.13.8
UV := .tools/bin/uv
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export UV_PYTHON_DOWNLOADS := never

.PHONY: setup demo serve test lint bench bench-real stop clean screenshots chromium chaos scale-demo

$(UV):
	$(PY) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

.venv/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --locked --python $(PY)
	@touch $@

setup: .venv/.synced

demo: setup
	.venv/bin/ofm demo $(if $(filter real,$(ODOO)),--odoo real,)

# The Prefect server, the work pool and a worker, the webhook intake, the automations, every deployment (ofm serve).
serve: setup
	.venv/bin/ofm serve

test: setup
	.venv/bin/pytest

lint: setup
	.venv/bin/ruff check .

# The matching engines, the real Odoo, then one table of every flow on the sandbox (bench/table.py).
bench: setup
	.venv/bin/python -m bench.bank_matching
	.venv/bin/python -m bench.three_way_match
	$(MAKE) --no-print-directory bench-real
	.venv/bin/python -m bench.table

# A real Odoo 19 as the target (ofm.testbed builds it from ../shared/odoo19 or OFM_ODOO_SOURCE;
# one line and nothing else without a source). Apart from `bench`: it takes several minutes.
# `make bench-real ODOO_VERSION=18`: the same on a real Odoo 18 (../shared/odoo18 or OFM_ODOO18_SOURCE).
ODOO_VERSION ?= 19
bench-real: setup
	.venv/bin/python -m bench.real_odoo --version $(ODOO_VERSION)

# The fault suite (python -m chaos): every flow under every fault, CHAOS_SEEDS seeds per sandbox scenario (in
# CHAOS_WORKERS processes), CHAOS_INFRA_SEEDS per infrastructure scenario (real processes restarted: half a minute or
# more each), one table; exit 1 on any duplicate or loss. The cells are also written to var/chaos.json.
# `make chaos CHAOS_SEEDS=2` is the quick one; CHAOS_MINUTES=M starts no seed after M minutes (whole seeds only).
CHAOS_SEEDS ?= 100
CHAOS_INFRA_SEEDS ?= 2
CHAOS_WORKERS ?= 2
CHAOS_MINUTES ?=
chaos: setup
	@mkdir -p var
	.venv/bin/python -m chaos --seeds $(CHAOS_SEEDS) --infra-seeds $(CHAOS_INFRA_SEEDS) --workers $(CHAOS_WORKERS) \
		$(if $(CHAOS_MINUTES),--minutes $(CHAOS_MINUTES)) --json var/chaos.json

stop: setup
	.venv/bin/ofm demo --stop

# Pictures of the Prefect UI after `make demo` (docs/screenshots/), with headless Chromium: the Debian package,
# installed here if /usr/bin/chromium is missing (apt-get, as root or through sudo).
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
# Debian's chromium for the browser tests and `make screenshots` (apt-get, as root or through sudo); .ci/run calls it.
chromium:
	@test -x /usr/bin/chromium || { echo "chromium is missing: installing the Debian package (apt-get install -y chromium)"; \
	  mkdir -p var/logs; { $(SUDO) apt-get install -y chromium || { $(SUDO) apt-get update && \
	  $(SUDO) apt-get install -y chromium; }; } >var/logs/apt-chromium.log 2>&1 || \
	  { echo "error: apt-get could not install chromium; see var/logs/apt-chromium.log"; exit 1; }; }

screenshots: setup chromium
	.venv/bin/ofm screenshots

clean:
	rm -rf .venv .tools var

# Scale-out on this machine: Prefect server and store on new PostgreSQL databases (dropped after), the Odoo sandbox,
# two process workers; 1 vs 2 workers, a worker killed mid-partition, counts read back. Stops all it started.
# Ports: OFM_SCALE_PREFECT_PORT (4290), OFM_SCALE_ODOO_PORT (8170); OFM_SCALE_POSTGRES names the server.
scale-demo: setup
	.venv/bin/ofm scale demo
