# Senpai's single interface. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

VENV      := .venv
RASA_VENV := .venv-rasa
BIN       := $(VENV)/bin
RASA      := $(RASA_VENV)/bin/rasa
MODEL     := models/senpai.tar.gz
RASA_DATA := config.yml domain.yml $(shell find data -name '*.yml' 2>/dev/null)
PIP_FLAGS := --disable-pip-version-check --quiet

# No model hub, no telemetry, quiet TensorFlow.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1

.PHONY: help setup run test lint format train build-index validate test-stories test-python browser clean lock loadtest bench check-scope

help: ## Show this help
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*## "}{printf "  make %-14s %s\n", $$1, $$2}'

setup: $(VENV)/.installed $(RASA_VENV)/.installed ## Create both environments (idempotent)

$(VENV)/.installed: pyproject.toml constraints/app.txt
	@test -x $(BIN)/python || $$(scripts/find-python 3.11) -m venv $(VENV)
	$(BIN)/pip install $(PIP_FLAGS) -c constraints/app.txt -e '.[dev]'
	@touch $@

$(RASA_VENV)/.installed: constraints/rasa.txt
	@test -x $(RASA_VENV)/bin/python || $$(scripts/find-python 3.10) -m venv $(RASA_VENV)
	$(RASA_VENV)/bin/pip install $(PIP_FLAGS) -c constraints/rasa.txt rasa==3.6.21
	@touch $@

build-index: $(VENV)/.installed ## Validate the corpus and build the knowledge index (skips if up to date)
	$(BIN)/senpai build-index

check-scope: build-index ## Passage questions the not-covered topics would refuse, and the reverse
	$(BIN)/senpai check-scope

train: $(MODEL) ## Train the Rasa model when data or config changed

$(MODEL): $(RASA_VENV)/.installed $(RASA_DATA)
	$(RASA) train --fixed-model-name senpai --out models --quiet

validate: $(RASA_VENV)/.installed ## Check Rasa's training data
	$(RASA) data validate --fail-on-warnings --quiet

run: setup build-index train ## Run the whole assistant on http://127.0.0.1:8080/
	$(BIN)/senpai up

PROFILE ?= embedded
loadtest: setup build-index train ## 50 simulated users x 10 messages on /api/chat (PROFILE=production; SCENARIO=orientation: 300 arriving in a minute)
	$(BIN)/senpai loadtest --profile $(PROFILE) $(if $(SCENARIO),--scenario $(SCENARIO)) $(if $(USERS),--users $(USERS)) $(if $(MESSAGES),--messages $(MESSAGES))

bench: setup build-index train ## Performance against the floor of each step; writes bench/latest.json (QUICK=1: shorter)
	$(BIN)/senpai bench $(if $(QUICK),--quick)

lint: $(VENV)/.installed ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(VENV)/.installed ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test-stories: $(MODEL) ## Rasa story tests; any wrong prediction fails
	$(RASA) test core --stories tests/stories --fail-on-prediction-errors --out .senpai/results --quiet

# Debian's Chromium (driven by Playwright) and a Japanese font for the browser tests.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
browser: ## Install Debian's chromium and a Japanese font for the browser tests
	@if command -v chromium >/dev/null && fc-list :lang=ja 2>/dev/null | grep -q .; then :; \
	elif [ -n "$$SENPAI_SKIP_BROWSER" ]; then echo "SENPAI_SKIP_BROWSER is set: the browser tests will be skipped"; \
	else echo "Installing Debian's chromium and fonts-ipafont-gothic for the browser tests..."; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-ipafont-gothic \
	  || { echo "Could not install chromium: run as root, or set SENPAI_SKIP_BROWSER=1 to skip the browser tests"; exit 1; }; fi

test-python: setup build-index train browser ## pytest: unit tests and the real-stack integration tests (API and browser)
	$(BIN)/pytest -q

test: lint validate test-stories test-python ## Everything CI runs

lock: ## Re-pin constraints from the current environments
	$(BIN)/pip freeze --exclude-editable | sed '1i # Pinned versions for .venv (Python 3.11). Regenerate: make lock' > constraints/app.txt
	$(RASA_VENV)/bin/pip freeze | sed '1i # Pinned versions for .venv-rasa (Python 3.10). Regenerate: make lock' > constraints/rasa.txt

clean: ## Remove built artefacts (keeps the environments)
	rm -rf models .senpai results .pytest_cache .mypy_cache .ruff_cache
