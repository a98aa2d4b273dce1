# Two commands for a fresh clone with only python3 and make: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
LINT_PATHS := $(wildcard src tests bench examples)

INTEROP := tests/interop
INTEROP_STAMP := $(INTEROP)/node_modules/.package-lock.json

.PHONY: demo test lint typecheck pytest bench clean install interop redis-server

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
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
	else \
		echo "node/npm not found: the oidc-provider interop test will be skipped"; \
	fi

$(INTEROP_STAMP): $(INTEROP)/package.json $(INTEROP)/package-lock.json
	npm ci --prefix $(INTEROP) --no-audit --no-fund --loglevel=error

# The store tests run a real redis-server on a loopback port; install it when it is missing.
redis-server:
	@command -v redis-server >/dev/null 2>&1 || (apt-get update && apt-get install -y redis-server)

pytest: $(STAMP) interop redis-server
	$(BIN)/python -m pytest -q -rs

test: lint typecheck pytest

bench: $(STAMP)
	$(BIN)/python -m bench $(if $(QUICK),--quick,)

clean:
	rm -rf $(VENV) build dist .mypy_cache .ruff_cache $(INTEROP)/node_modules
