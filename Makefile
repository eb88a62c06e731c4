# notebook-ops: `make demo` and `make test` set everything up by themselves on a fresh clone.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
EXAMPLE := examples/churn.ipynb
LAB_PORT ?= 8888

.PHONY: install demo test test-browser lab bench clean

install: $(STAMP)

LAB_SOURCES := package.json yarn.lock tsconfig.json $(shell find labextension -type f 2>/dev/null)
JLPM := PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(VENV)/bin/jlpm

# Re-installs only when the project's install inputs change. The JupyterLab extension is built
# first (jlpm comes with jupyterlab), so pip packs the fresh build into the editable install.
$(STAMP): pyproject.toml $(LAB_SOURCES)
	@test -x $(PY) || python3 -m venv $(VENV)
	@$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q 'jupyterlab>=4.2,<5'
	$(JLPM) install
	$(JLPM) build:prod
	$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

demo: install
	$(VENV)/bin/notebook-ops inspect $(EXAMPLE)

test: install
	$(PY) -m pytest -q
	$(MAKE) test-browser

# Real-browser tests (Galata + Debian's chromium; test tools cannot download browsers here).
test-browser: install
	@test -x /usr/bin/chromium || { S=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$S apt-get update -qq && $$S apt-get install -y -qq chromium; }
	$(JLPM) test:browser

# JupyterLab on examples/ with the extension; prints the URL to open.
lab: install
	@echo "JupyterLab with notebook-ops: http://localhost:$(LAB_PORT)/lab/tree/churn.ipynb (the token is printed below)"
	PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(VENV)/bin/jupyter lab --notebook-dir=examples --port=$(LAB_PORT) \
	  --no-browser $$([ "$$(id -u)" = 0 ] && echo --allow-root)

bench: install
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) build dist .pytest_cache
