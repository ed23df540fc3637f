# Entry points. `make run` starts the whole system on the local stack; `make test` runs every suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SERVICES := identity scheduling messaging calling

.PHONY: install vendor run test bench load package demo deploy deploy-local clean clients console console-screenshots chromium

$(VENV)/.installed: requirements/dev.txt requirements/constraints.txt shared/pyproject.toml infra/local/pyproject.toml client/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements/dev.txt -c requirements/constraints.txt
	$(PY) -m pip install -q --no-deps -e shared -e infra/local -e client
	touch $@

# The real Chime JS SDK client the websocket tests run (Node 20 and npm must be installed).
tests/js/node_modules/.installed: tests/js/package.json tests/js/package-lock.json
	npm ci --prefix tests/js --no-audit --no-fund --loglevel=error
	touch $@

# The local media plane (infra/local/media: Chime SDK signaling, werift, the meeting page) and
# the browser suite's playwright-core; Node 20 and npm.
infra/local/media/node_modules/.installed: infra/local/media/package.json infra/local/media/package-lock.json
	npm ci --prefix infra/local/media --no-audit --no-fund --loglevel=error
	touch $@

# Debian's Chromium for the browser suite (playwright-core drives it; no browser download).
build/.chromium-installed:
	@test -x /usr/bin/chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)
	@mkdir -p build && touch $@

# bandit and pip-audit pin packages of their own: they get a venv of their own.
.venvs/audit/.installed: requirements/audit.txt
	$(PYTHON) -m venv .venvs/audit
	.venvs/audit/bin/python -m pip install -q --upgrade pip
	.venvs/audit/bin/python -m pip install -q -r requirements/audit.txt
	touch $@

.venvs/checkov/.installed: requirements/checkov.txt
	$(PYTHON) -m venv .venvs/checkov
	.venvs/checkov/bin/python -m pip install -q --upgrade pip
	.venvs/checkov/bin/python -m pip install -q -r requirements/checkov.txt
	touch $@

# The typed TypeScript client: generated from docs/api/*.json (openapi-typescript, pinned).
clients/typescript/node_modules/.installed: clients/typescript/package.json clients/typescript/package-lock.json
	npm ci --prefix clients/typescript --no-audit --no-fund --loglevel=error
	touch $@

clients: clients/typescript/node_modules/.installed
	cd clients/typescript && node scripts/generate.mjs

# The web console (React + Vite on the TypeScript client), built for `make run` to serve on :8000.
CONSOLE_SOURCES := $(shell find console/src console/index.html console/vite.config.ts clients/typescript/src -type f 2>/dev/null)
console/node_modules/.installed: console/package.json console/package-lock.json
	npm ci --prefix console --no-audit --no-fund --loglevel=error
	touch $@

console/dist/index.html: console/node_modules/.installed $(CONSOLE_SOURCES)
	npm run --prefix console -s build
	touch $@

console: console/dist/index.html

chromium: build/.chromium-installed

# Rewrites docs/screenshots/ from a browser run of the console suite (make test writes to build/).
console-screenshots: install vendor chromium console
	TELEHEALTH_SCREENSHOT_DIR=$(CURDIR)/docs/screenshots $(PY) scripts/run_tests.py console

install: $(VENV)/.installed tests/js/node_modules/.installed infra/local/media/node_modules/.installed \
	build/.chromium-installed .venvs/audit/.installed .venvs/checkov/.installed \
	clients/typescript/node_modules/.installed console/node_modules/.installed

# Chalice packages only app.py, chalicelib/, vendor/ and requirements.txt: copy shared in.
vendor:
	@for s in $(SERVICES); do rm -rf services/$$s/vendor/telehealth_shared; mkdir -p services/$$s/vendor; \
	  cp -r shared/telehealth_shared services/$$s/vendor/; \
	  find services/$$s/vendor -name __pycache__ -prune -exec rm -rf {} +; done

# Running the system needs the main venv and the built console (npm); the test tools (checkov, audit, Chromium) come with `make test`.
run: $(VENV)/.installed console/dist/index.html infra/local/media/node_modules/.installed
	$(PY) -m telehealth_local.processes.run

test: install vendor chromium console
	$(PY) scripts/run_tests.py

# Plays a whole visit against a running `make run` (in another terminal).
demo: $(VENV)/.installed
	$(PY) -m telehealth_client.cli demo

bench: $(VENV)/.installed
	$(PY) scripts/bench

# N concurrent whole visits against a local stack of its own, then again with faults (loopback only).
load: $(VENV)/.installed
	$(PY) scripts/bench/load_visits.py --visits $(or $(VISITS),50)

# The whole deploy path of docs/deploy.md, idempotent: `make deploy STAGE=dev` (AWS; needs
# STATE_BUCKET and infra/terraform/$(STAGE).tfvars). TF_PLUGIN_DIR names an offline provider folder.
deploy: $(VENV)/.installed
	@test -n "$(STAGE)" || { echo "usage: make deploy STAGE=<stage>  (docs/deploy.md)" >&2; exit 2; }
	$(PY) scripts/deploy.py --stage $(STAGE)

# The same path against a running `make run` (LOCAL_ENDPOINT), as stage $(STAGE) (default
# rehearsal), then a visit through the deployed API Gateway stage URLs.
LOCAL_ENDPOINT ?= http://127.0.0.1:4566
LOCAL_DEPLOY_DIR = .local-stack/deploy/$(or $(STAGE),rehearsal)
deploy-local: $(VENV)/.installed
	$(PY) scripts/deploy.py --local --stage $(or $(STAGE),rehearsal) --endpoint $(LOCAL_ENDPOINT) \
	  --state-dir $(LOCAL_DEPLOY_DIR) --urls-file $(LOCAL_DEPLOY_DIR)/urls.json
	$(PY) scripts/visit_stage.py --stage $(or $(STAGE),rehearsal) --urls-file $(LOCAL_DEPLOY_DIR)/urls.json --endpoint $(LOCAL_ENDPOINT)

package: install vendor
	@for s in $(SERVICES); do (cd services/$$s && ../../$(VENV)/bin/chalice package --stage dev ../../build/package/$$s) || exit 1; done

clean:
	rm -rf build services/*/vendor console/dist clients/typescript/dist
