# The two Quick start commands, and what they stand on. Everything installs into this folder:
# a virtual environment in .venv and the front-end packages in node_modules.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export FLASK_APP := wsgi

.PHONY: run test lint assets install install-dev browser

## make run: install everything, build the pages' assets, load the demo data and serve on 127.0.0.1:5000
run: install assets
	$(BIN)/flask db upgrade
	$(BIN)/flask content sync
	$(BIN)/flask demo
	$(BIN)/flask run --host 127.0.0.1 --port 5000

## make test: install what the tests need, then lint and run the whole suite
test: install-dev assets browser lint
	$(BIN)/python -m pytest

## The end-to-end tests drive Debian's Chromium (never a downloaded browser); install it as root if missing.
browser:
	@[ -x /usr/bin/chromium ] || (apt-get update -qq && apt-get install -y -qq chromium) \
	  || echo "Debian's chromium is not installed: the end-to-end tests will be skipped (not in CI)"

lint: install-dev
	$(BIN)/ruff check .

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund
	touch $@

## make assets: compile the Sass and copy GOV.UK Frontend (npm), then give each file the templates link to
## a hashed name with .br and .gz variants and write build/manifest.json (app/static_assets.py)
assets: app/static/build/manifest.json

app/static/build/manifest.json: app/static/build/app.css app/static/favicon.svg $(wildcard app/static/js/*.js) \
                                app/static_assets.py | install
	$(BIN)/python -m app.static_assets

app/static/build/app.css: node_modules/.package-lock.json $(wildcard app/assets/*.scss)
	npm run --silent build
