# The two commands of the README: `make run` and `make test`.
# The interpreter: PYTHON when given, else the first supported one that runs (3.11, 3.12, 3.13).
PYTHON ?= $(shell bin/find-python)
VENV ?= .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
PG_URL ?= postgresql://postgres@127.0.0.1:5432/disclosure
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run test lint graph format check test-sqlite test-postgres test-other-python browser-deps system-deps deploy-deps deploy-check bench manual clean

$(BIN)/python:
	@[ -n "$(PYTHON)" ] || { echo "需要 Python 3.11、3.12 或 3.13，本机都没有找到：请安装其中之一（如 apt install python3），或用 make run PYTHON=/path/to/python 指定。"; exit 1; }
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; ok = (3, 11) <= v <= (3, 13); print(f"使用 Python {v[0]}.{v[1]}：$(PYTHON)" if ok else f"$(PYTHON) 是 Python {v[0]}.{v[1]}，本平台需要 3.11、3.12 或 3.13"); sys.exit(not ok)'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	touch $@

setup: $(VENV)/.installed system-deps
	$(MANAGE) setup_demo

# What the flowchart's PNG and the guide's PDF need from the system: a Chinese font and Pango
# (WeasyPrint). Installed when missing and possible (as root); otherwise the platform runs and
# those two files answer 503 with a message (`manage.py check --deploy` warns).
system-deps:
	@{ fc-list :lang=zh 2>/dev/null | grep -q . && ldconfig -p 2>/dev/null | grep -q libpango-1.0; } || \
		{ echo "安装中文字体与 Pango（流程图 PNG 与办事指南 PDF 需要）…"; \
		  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 >/dev/null) \
		  || echo "无法安装：流程图 PNG 与办事指南 PDF 将不可用，其余功能不受影响"; }

# The background worker (large imports) runs beside the server and stops with it.
run: setup
	@echo "网上政务大厅：http://$(HOST):$(PORT)/   管理后台：http://$(HOST):$(PORT)/admin/"
	@$(MANAGE) db_worker --backend background --no-startup-delay & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(MANAGE) runserver $(HOST):$(PORT)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/python docs/import_graph.py --check

# The package import graph (Mermaid), as docs/architecture.md shows it.
graph: $(VENV)/.installed
	$(BIN)/python docs/import_graph.py

format: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: $(VENV)/.installed
	DJANGO_SETTINGS_MODULE=disclosure.settings.test $(MANAGE) check --fail-level WARNING
	DJANGO_SETTINGS_MODULE=disclosure.settings.test $(MANAGE) makemigrations --check --dry-run

browser-deps:
	@command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || \
		{ echo "安装 Chromium（浏览器测试需要）…"; \
		  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null) \
		  || echo "无法安装 Chromium：浏览器测试将跳过"; }

# The SQLite suite measures coverage of every app and prints it per app.
test-sqlite: $(VENV)/.installed browser-deps system-deps
	$(BIN)/coverage erase
	$(BIN)/coverage run -m pytest -q
	$(BIN)/python tests/coverage_by_app.py

# The SQLite suite in another supported Python (CI: the newest, VENV=.venv-py3.13 PYTHON=…),
# without the browser's tests: what they drive is the same code, and they read what Chromium
# shows, which the Python does not change. No coverage: the suite above measures it.
test-other-python: $(VENV)/.installed system-deps
	$(BIN)/pytest -q -m "not browser"

# The database name carries the shell's PID, so two runs on one machine never share a test
# database (pytest-django creates test_<name> and drops it at the end).
test-postgres: $(VENV)/.installed
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_URL)'.rsplit('/',1)[0]+'/postgres', connect_timeout=3).close()" 2>/dev/null; then \
		echo "== PostgreSQL: $(PG_URL)"; \
		DATABASE_URL=$(PG_URL)_$$$$ $(BIN)/pytest -q -m "not browser" && touch .ci-postgres-ran; \
	else echo "== PostgreSQL 不可达，跳过 PostgreSQL 测试"; fi

# The deployment kit (deploy/): nginx -t on its site, systemd-analyze verify on its units, and
# check --deploy with production settings.
deploy-deps:
	@command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || \
		{ echo "安装 nginx（检查部署配置需要）…"; \
		  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null) \
		  || echo "无法安装 nginx：部署检查将跳过 nginx -t"; }

deploy-check: $(VENV)/.installed deploy-deps
	@if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then deploy/check; \
	  else DEPLOY_CHECK_SKIP_NGINX=1 deploy/check; fi

# The two suites run side by side (two processes: about half the time on two cores); each
# one's output is printed whole when it ends. What they install from the system comes first,
# one after the other (two apt-get at once would meet dpkg's lock).
test: lint check deploy-check browser-deps system-deps
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

# The manual's screenshots (使用手册: manual/static/manual/screens/), taken again of the real
# screens by doing each task in Chromium (tests/browser/test_manual.py); commit them with the
# change that moved the screens. `make test` checks them without writing.
manual: $(VENV)/.installed browser-deps
	rm -f manual/static/manual/screens/*.jpg
	MANUAL_SCREENSHOTS=write $(BIN)/pytest -q -p no:cacheprovider tests/browser/test_manual.py

bench: $(VENV)/.installed
	$(BIN)/python -m bench.pages
	$(BIN)/python -m bench.api_reads
	$(BIN)/python -m bench.search_engine

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* media .test-media .demo-credentials
