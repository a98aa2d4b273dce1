# Two commands for a fresh clone with only python3 and make: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
LINT_PATHS := $(wildcard src tests bench examples)
# The user extras the test suite needs; contributor tools are the `dev` dependency group.
TEST_EXTRAS := emulator,async,azure,file,redis

INTEROP := tests/interop
INTEROP_STAMP := $(INTEROP)/node_modules/.package-lock.json
AZURITE := tools/azurite
AZURITE_STAMP := $(AZURITE)/node_modules/.package-lock.json

.PHONY: demo test lint typecheck pytest bench clean install interop docs docs-strict package browser installed redis-server

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[$(TEST_EXTRAS)]' --group dev
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m entraclient.demo

lint: $(STAMP)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)

typecheck: $(STAMP)
	$(BIN)/mypy --strict src
	$(BIN)/mypy --strict $(filter-out src,$(LINT_PATHS))

# The oidc-provider interop test needs Node.js; without node it is skipped (-rs prints why).
interop:
	@if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory -q $(INTEROP_STAMP) || $(MAKE) --no-print-directory $(INTEROP_STAMP); \
		$(MAKE) --no-print-directory -q $(AZURITE_STAMP) || $(MAKE) --no-print-directory $(AZURITE_STAMP); \
	else \
		echo "node/npm not found: the oidc-provider and Azurite tests will be skipped"; \
	fi

$(INTEROP_STAMP): $(INTEROP)/package.json $(INTEROP)/package-lock.json
	npm ci --prefix $(INTEROP) --no-audit --no-fund --loglevel=error

$(AZURITE_STAMP): $(AZURITE)/package.json $(AZURITE)/package-lock.json
	npm ci --prefix $(AZURITE) --no-audit --no-fund --loglevel=error

# The store tests run a real redis-server on a loopback port; install it when it is missing.
redis-server:
	@command -v redis-server >/dev/null 2>&1 || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server)

pytest: $(STAMP) interop browser redis-server
	$(BIN)/python -m pytest -q -rs

# The documentation site (mkdocs-material + mkdocstrings) into build/site.
docs: $(STAMP)
	$(BIN)/mkdocs build --site-dir build/site

# The installed command: build the wheel, install it with the emulator and file extras in a
# fresh venv,
# and run tests/installed/check_installed.py against that venv's `entraclient`.
INSTALLED_VENV := build/installed-venv

installed: $(STAMP)
	rm -rf $(INSTALLED_VENV) build/wheel
	$(BIN)/python -m pip wheel --quiet --no-deps --wheel-dir build/wheel .
	$(PYTHON) -m venv $(INSTALLED_VENV)
	$(INSTALLED_VENV)/bin/python -m pip install --quiet "$$(ls build/wheel/entraclient-*.whl)[emulator,file]"
	INSTALLED_BIN=$(INSTALLED_VENV)/bin $(BIN)/python -m pytest -q tests/installed/check_installed.py


# The same with --strict: a broken link, nav entry or API reference fails the build.
docs-strict: $(STAMP)
	$(BIN)/mkdocs build --strict --site-dir build/site

# The sdist and wheel into dist/, checked as a package index would render them.
package: $(STAMP)
	rm -rf dist
	$(BIN)/python -m build --outdir dist .
	$(BIN)/twine check --strict dist/*

# The browser test drives Debian's chromium through chromium-driver; install them if missing.
browser:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then \
		if command -v apt-get >/dev/null 2>&1; then \
			echo "installing chromium and chromium-driver for the browser test"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
		else \
			echo "no apt-get: install chromium and chromedriver for the browser test"; \
		fi; \
	fi

test: lint typecheck docs-strict package pytest installed

# Results go to build/bench/results.json; SAVE=1 updates the tracked bench/results.json.
bench: $(STAMP)
	$(BIN)/python -m bench $(if $(QUICK),--quick,) $(if $(SAVE),--save,)

clean:
	rm -rf $(VENV) build dist .mypy_cache .ruff_cache $(INTEROP)/node_modules $(AZURITE)/node_modules
