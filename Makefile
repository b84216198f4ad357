# GreenLadder: `make run` serves the site with a demo city; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 8000
# The suite runs on every core (pytest-xdist); each worker has its own databases.
PYTEST_WORKERS ?= auto

.PHONY: run test lint test-postgres bench bench-postgres bench-deps browser-deps postgres-deps docs-deps docs-preview clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

run: $(VENV)/.installed
	$(FLASK) db upgrade
	$(FLASK) demo load --if-empty
	@echo "网站地址: http://$(HOST):$(PORT)  (Ctrl-C 停止)"
	@# exec: gunicorn replaces the recipe's shell, so a signal make passes on (TERM, INT) reaches it
	GUNICORN_BIND=$(HOST):$(PORT) exec $(BIN)/gunicorn -c gunicorn.conf.py 'app:create_app()'

# Debian's chromium and CJK fonts for the browser tests (installed as root where missing).
browser-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else echo "浏览器测试需要 chromium 和 fonts-noto-cjk：请以 root 运行 apt-get install chromium fonts-noto-cjk"; exit 1; fi; \
	fi

postgres-deps:
	@if ! command -v pg_virtualenv >/dev/null || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	  else echo "PostgreSQL 测试需要 postgresql：请以 root 运行 apt-get install postgresql"; exit 1; fi; \
	fi

# Lint (ruff) and a security scan (bandit: any high-severity finding fails), then the whole suite.
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/bandit -q -r . -x ./.venv,./tests,./bench,./migrations --severity-level high

test: lint browser-deps
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS)

# The suite (without the browser) against a throwaway PostgreSQL cluster.
test-postgres: $(VENV)/.installed-dev postgres-deps
	pg_virtualenv sh -c 'TEST_DATABASE_URL="postgresql:///$$PGDATABASE" $(CURDIR)/$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -m "not browser"'

# wrk, the C load generator bench.load runs against gunicorn (installed as root where missing).
bench-deps:
	@if ! command -v wrk >/dev/null; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	  else echo "基准测试需要 wrk：请以 root 运行 apt-get install wrk"; exit 1; fi; \
	fi

# LibreOffice (and CJK fonts, poppler's pdftoppm) to render documents, installed as root where missing.
docs-deps:
	@if ! command -v soffice >/dev/null || ! command -v pdftoppm >/dev/null || ! fc-list 2>/dev/null | grep -qi "Noto Serif CJK"; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      libreoffice-writer-nogui poppler-utils fonts-noto-cjk >/dev/null; \
	  else echo "文档预览需要 LibreOffice：请以 root 运行 apt-get install libreoffice-writer-nogui poppler-utils fonts-noto-cjk"; exit 1; fi; \
	fi

# A sample of each .docx, built from the demo city and rendered to PDF under test-artifacts/docs-preview/.
docs-preview: $(VENV)/.installed docs-deps
	$(BIN)/python tools/docs_preview.py

# Every benchmark, one table of figures against their targets (about five minutes).
bench: $(VENV)/.installed-dev bench-deps
	$(BIN)/python -m bench.all

# The same benchmarks against a throwaway PostgreSQL cluster started as test-postgres starts it: every benchmark
# that builds its data through bench.common.make_app (pool, filing, imports) runs on BENCH_DATABASE_URL.
bench-postgres: $(VENV)/.installed-dev postgres-deps bench-deps
	pg_virtualenv sh -c 'BENCH_DATABASE_URL="postgresql:///$$PGDATABASE" $(CURDIR)/$(BIN)/python -m bench.all'

clean:
	rm -rf $(VENV) test-artifacts
