# Two commands: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
NODE_STAMP := tests/node/node_modules/.installed-stamp
CLIENT_STAMP := client/node_modules/.installed-stamp

.PHONY: run cluster test lint typecheck unit services client client-check clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

$(NODE_STAMP): tests/node/package.json tests/node/package-lock.json
	cd tests/node && npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

$(CLIENT_STAMP): client/package.json client/package-lock.json
	cd client && npm ci --no-audit --no-fund --loglevel=error
	touch $(CLIENT_STAMP)

## Rebuild the browser bundle into board_server/static/ (commit the result).
client: $(CLIENT_STAMP)
	cd client && npm run build --silent

## Fail if the committed bundles are not what client/ builds.
BUNDLES := board_server/static/board.js board_server/static/wall.js board_server/static/observe.js \
	board_server/static/facilitate.js
client-check: client
	@if [ -n "$$(git status --porcelain -- $(BUNDLES))" ]; then \
		git status --short -- $(BUNDLES); \
		echo "a bundle in board_server/static/ differs from a fresh build of client/: run 'make client' and commit it" >&2; \
		exit 1; \
	fi

## Start the server on the embedded store with a demo workshop. For the
## tablets in a hall: make run HOST=0.0.0.0 (see docs/deployment.md).
HOST ?= 127.0.0.1
PORT ?= 8000
run: $(STAMP)
	$(BIN)/board-server --demo --host $(HOST) --port $(PORT)

## The deployment's shape on one machine: PROCESSES server processes on one
## Redis behind nginx on HOST:PORT, until Ctrl+C (docs/deployment.md).
PROCESSES ?= 3
REDIS_URL ?= redis://127.0.0.1:6379/0
cluster: $(STAMP)
	$(BIN)/python scripts/cluster --host $(HOST) --port $(PORT) --processes $(PROCESSES) \
		--redis-url $(REDIS_URL)

## Install, start needed services, and run lint, types and the whole suite.
test: $(STAMP) $(NODE_STAMP) services client-check lint typecheck unit

services:
	scripts/ensure-services

lint: $(STAMP)
	$(BIN)/ruff check board_server tests bench deploy scripts/cluster
	$(BIN)/ruff format --check board_server tests bench deploy scripts/cluster

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest

clean:
	rm -rf $(VENV) tests/node/node_modules client/node_modules

## Benchmark: ours vs y-websocket, Hocuspocus and pycrdt-websocket (with the
## observers scenarios), then ours vs Hocuspocus on 1, 2 and 3 processes
## sharing a Redis (about 14 minutes).
## Options go in BENCH_ARGS, e.g. make bench BENCH_ARGS="--scenarios workshop --duration 3"
.PHONY: bench bench-redis bench-browser
bench: $(STAMP)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

## Only the Redis scenarios (about 4 minutes), e.g.
## make bench-redis BENCH_ARGS="--rounds 3 --procs-per-server 2"
bench-redis: $(STAMP)
	$(BIN)/python -m bench.run --servers ours-redis,hocuspocus-redis \
		--scenarios workshop,big-event --procs-per-server 1,2,3 $(BENCH_ARGS)

## Browser benchmark: the tablet client with a full board, e.g.
## make bench-browser BENCH_ARGS="--rounds 3 --cpu-throttle 6"
## then the wall display with every room full, e.g. WALL_ARGS="--rounds 3"
bench-browser: $(STAMP)
	$(BIN)/python -m bench.browser $(BENCH_ARGS)
	$(BIN)/python -m bench.wall $(WALL_ARGS)
