# The two commands of the README: `make run` and `make test`. Everything else is a helper.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_CUSTOMERS ?= 5000

.PHONY: run test setup system-packages demo lint messages bench clean

$(BIN)/banyan: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(BIN)/banyan

setup: $(BIN)/banyan

## make run — set up, build the demo bank once, serve it on http://127.0.0.1:8000
run: setup
	@# the PDF reports need Pango and a CJK font: installed as root, else named (the rest of the app runs without them)
	-@BANYAN_SYSTEM_PACKAGES="fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0" BANYAN_SYSTEM_PACKAGES_FOR="make run" \
		sh banyan/testing/system-packages.sh
	$(BIN)/banyan migrate --noinput
	$(BIN)/banyan demo --if-empty --customers $(DEMO_CUSTOMERS)
	$(BIN)/banyan serve --host $(HOST) --port $(PORT)

## make test — install (as root, with apt-get) or name the system packages the tests need, set up,
## lint, check migrations, run every test on SQLite (browser tests included), then again on a private
## PostgreSQL server started for the run. --dist loadfile keeps a test module on
## one worker: the demo tests share one module-wide bank that a live-server test elsewhere would flush
test: system-packages setup
	$(BIN)/ruff check .
	$(BIN)/banyan makemigrations --check --dry-run
	$(BIN)/pytest -n 2 --dist loadfile
	$(BIN)/python -m banyan.testing.pgserver -- $(BIN)/pytest -n 2 --dist loadfile -m "not browser"

system-packages:
	@sh banyan/testing/system-packages.sh

## make bench — the benchmark tools (DuckDB, locust); the scripts themselves are run one by one, see benchmarks/README.md
bench: setup
	$(BIN)/pip install -q -e '.[dev,bench]'
	@echo "benchmarks: see benchmarks/README.md (e.g. $(BIN)/python benchmarks/generate.py --customers 1000000)"

lint: setup
	$(BIN)/ruff check .

messages: setup
	cd banyan && ../$(BIN)/banyan compilemessages

clean:
	rm -rf var/*.sqlite3* var/static
