# Porchlight — `make dev` runs it, `make test` checks it. Both set themselves up on a clean clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8787
export WRANGLER_SEND_METRICS := false
# Bytecode caches (gitignored __pycache__): without them every pytest worker and every `porchlight`
# subprocess compiles src/ and rewrites tests/ again, about 3 s of CPU per pytest process.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: dev test test-d1 test-d1-real test-clock setup assets lint fmt typecheck pytest browser wrangler-check bench fuzz clean

$(BIN)/porchlight: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# htmx and Swagger UI come from npm and are copied into public/ (never committed).
public/static/vendor/htmx.min.js: node_modules/.package-lock.json
	mkdir -p public/static/vendor/swagger-ui
	cp node_modules/htmx.org/dist/htmx.min.js public/static/vendor/htmx.min.js
	cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css public/static/vendor/swagger-ui/

# The coverage map (issue 19): US state outlines (us-atlas) drawn with d3-geo's Albers USA projection,
# all served from public/, so the map makes no third-party request.
MAP_VENDOR := public/static/vendor/map
$(MAP_VENDOR)/states-10m.json: node_modules/.package-lock.json
	mkdir -p $(MAP_VENDOR)
	cp node_modules/d3-array/dist/d3-array.min.js node_modules/d3-geo/dist/d3-geo.min.js $(MAP_VENDOR)/
	cp node_modules/topojson-client/dist/topojson-client.min.js $(MAP_VENDOR)/
	cp node_modules/us-atlas/states-10m.json $(MAP_VENDOR)/states-10m.json

assets: public/static/vendor/htmx.min.js $(MAP_VENDOR)/states-10m.json

.dev.vars: | $(BIN)/porchlight
	$(BIN)/porchlight dev-vars

setup: $(BIN)/porchlight node_modules/.package-lock.json assets .dev.vars

dev: setup
	$(BIN)/porchlight db migrate
	$(BIN)/porchlight demo seed
	PORT=$(PORT) $(BIN)/porchlight serve

lint:
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

fmt:
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

typecheck:
	$(BIN)/mypy src

pytest:
	$(BIN)/pytest -q -m "not browser and not wrangler"

# The whole non-browser suite again, with every query going through the D1 adapter and a fake
# D1 binding that enforces D1's rules.
test-d1: setup
	PORCHLIGHT_TEST_DB=d1 $(BIN)/pytest -q -m "not browser and not wrangler"

# The whole non-browser suite on the real D1 engine: workerd (miniflare, offline) with a real D1
# binding behind tests/fakes/real_d1.py; our runner migrates it, each test gets the template back.
# Tests that reach no database fixture are skipped there (tests/conftest.py): the SQLite pass ran them.
test-d1-real: setup
	PORCHLIGHT_TEST_DB=d1real $(BIN)/pytest -q $(XDIST) -m "not browser and not wrangler"

browser:
	$(BIN)/pytest -q -m browser

# The Worker bundle and config are valid, and the migrations apply on the real D1 engine (offline).
wrangler-check:
	npx wrangler deploy --dry-run --outdir .wrangler/dry-run > .wrangler-dry-run.log 2>&1 || (cat .wrangler-dry-run.log; exit 1)
	rm -rf .wrangler/ci-state
	CI=true npx wrangler d1 migrations apply DB --local --persist-to .wrangler/ci-state > .wrangler-migrate.log 2>&1 \
		|| (cat .wrangler-migrate.log; exit 1)
	$(BIN)/pytest -q -m wrangler
	@echo "wrangler: bundle, config and migrations OK"

# Both cores: each test has its own database file and server port; --dist loadfile keeps a module's
# shared live server on one worker.
XDIST := -n 2 --dist loadfile

test: setup lint typecheck
	$(BIN)/pytest -q $(XDIST) -m "not wrangler"
	PORCHLIGHT_TEST_DB=d1real $(BIN)/pytest -q $(XDIST) -m "not browser and not wrangler"
	$(MAKE) --no-print-directory wrangler-check

# The suite again with the machine's clock moved by libfaketime (Debian's `faketime`): 03:00 and 21:30 on a
# weekday, Sunday noon, the hour after the March DST change and the last evening of a month (already the
# next month in UTC), all in New York, which is also the process's zone. Tests run on the clock binding, so
# the instant must not matter: a test that fails here reads the machine's clock. Pick instants with
# CLOCK_INSTANTS="YYYY-MM-DD_HH:MM:SS ..." (local New York times). Each instant gets 25 minutes, so a hang
# fails the run instead of eating CI's time; the real-D1 engine runs on the real clock (libfaketime
# is not passed to it).
CLOCK_INSTANTS ?= 2026-11-25_03:00:00 2026-11-25_21:30:00 2026-11-29_12:00:00 2027-03-14_03:30:00 2026-11-30_23:30:00
test-clock: setup
	@command -v faketime > /dev/null || { echo "test-clock needs libfaketime: apt-get install faketime"; exit 1; }
	@for at in $(CLOCK_INSTANTS); do \
		when="$${at/_/ }"; \
		echo "== the machine's clock at $$when America/New_York"; \
		TZ=America/New_York timeout --kill-after=30 1500 faketime -m "$$when" $(BIN)/pytest -q -p no:cacheprovider $(XDIST) \
			-m "not wrangler" || exit 1; \
	done

bench: setup
	$(BIN)/python bench/run.py

# Schemathesis over /openapi.json against `porchlight serve` on 127.0.0.1, as the owner, an agent and
# anonymously; fails on any 5xx. FUZZ_EXAMPLES=200 make fuzz for a longer run.
fuzz: setup
	$(BIN)/python -m tests.fuzz_support --examples $${FUZZ_EXAMPLES:-50}

clean:
	rm -rf $(VENV) node_modules public/static/vendor .wrangler .pytest_cache .ruff_cache .mypy_cache
