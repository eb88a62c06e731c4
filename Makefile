# notebook-ops: `make demo` and `make test` set everything up by themselves on a fresh clone.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
EXAMPLE := examples/churn.ipynb
LAB_PORT ?= 8888

.PHONY: install deploy-envs postgresql demo test test-browser lab bench docs clean

install: $(STAMP) deploy-envs postgresql

# PostgreSQL server binaries (Debian's postgresql): the scheduler store's tests start a private
# server from them (tests/scheduler/pg.py); the system service is not used.
postgresql:
	@compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || { S=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$S apt-get update -qq && $$S env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; }

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

# Test environments of the deploy targets, apart from the main venv (their pins clash with it):
# Airflow 3 (runs the exported DAG with `airflow dags test`), and kfp + hera + kubernetes (compile
# and validate the KFP, Argo and Kubernetes files). Made only when missing; ~1 min and ~25 s here.
AIRFLOW_VENV ?= .venv-airflow
KFP_VENV ?= .venv-kfp
# Ploomber 0.23.3 (its last release), to compare a Ploomber project's products with ours.
PLOOMBER_VENV ?= .venv-ploomber
deploy-envs: $(AIRFLOW_VENV)/.installed-stamp $(KFP_VENV)/.installed-stamp-kfp-kubernetes $(PLOOMBER_VENV)/.installed-stamp

$(AIRFLOW_VENV)/.installed-stamp:
	@test -x $(AIRFLOW_VENV)/bin/python || python3 -m venv $(AIRFLOW_VENV)
	$(AIRFLOW_VENV)/bin/python -m pip install -q 'apache-airflow>=3.3,<3.4' 'apache-airflow-providers-cncf-kubernetes>=10'
	@touch $@

$(KFP_VENV)/.installed-stamp-kfp-kubernetes:
	@test -x $(KFP_VENV)/bin/python || python3 -m venv $(KFP_VENV)
	$(KFP_VENV)/bin/python -m pip install -q 'kfp>=2.14,<3' 'kfp-kubernetes>=2.14,<3' 'hera>=5.16,<8' 'kubernetes>=30'
	@touch $@ $(KFP_VENV)/.installed-stamp

$(PLOOMBER_VENV)/.installed-stamp:
	@test -x $(PLOOMBER_VENV)/bin/python || python3 -m venv $(PLOOMBER_VENV)
	$(PLOOMBER_VENV)/bin/python -m pip install -q 'ploomber==0.23.3'
	@touch $@

DEMO := dist/demo
DEMO_MLFLOW := sqlite:///$(CURDIR)/examples/.notebook_ops/mlflow.db

# inspect -> run the notebook -> export a bundle -> run the bundle from a folder holding only
# its archive; one MLflow store for all of it. --no-tag keeps demo tags out of this repository.
demo: install
	$(VENV)/bin/notebook-ops inspect $(EXAMPLE)
	@echo; echo "== run the notebook as a pipeline =="
	MLFLOW_TRACKING_URI=$(DEMO_MLFLOW) $(VENV)/bin/notebook-ops run $(EXAMPLE)
	@echo; echo "== export it as a bundle =="
	MLFLOW_TRACKING_URI=$(DEMO_MLFLOW) $(VENV)/bin/notebook-ops export $(EXAMPLE) -o $(DEMO) --no-tag --allow-dirty
	@echo; echo "== run the bundle from a folder that holds only its archive =="
	@B=$$(ls -t $(DEMO)/*.tar.gz | head -1); rm -rf $(DEMO)/ops; mkdir -p $(DEMO)/ops; cp $$B $(DEMO)/ops/; \
	  echo "cd $(DEMO)/ops && notebook-ops run $$(basename $$B)"; \
	  cd $(DEMO)/ops && MLFLOW_TRACKING_URI=$(DEMO_MLFLOW) $(CURDIR)/$(VENV)/bin/notebook-ops run $$(basename $$B)
	@echo; echo "== a pipeline across notebooks: ingest -> two feature notebooks in parallel -> train =="
	MLFLOW_TRACKING_URI=$(DEMO_MLFLOW) $(VENV)/bin/notebook-ops run examples/multi/03_train.ipynb
	@echo; echo "notebook run folders: $(CURDIR)/$(dir $(EXAMPLE)).notebook_ops/runs/ (run.json, executed steps/, data/, logs/)"
	@echo "bundle: $(CURDIR)/$(DEMO)/ (folder + .tar.gz; README.md inside tells DevOps how to run it)"
	@echo "bundle run folders: $(CURDIR)/$(DEMO)/ops/.notebook_ops/runs/"
	@echo "MLflow store (notebook runs, the export, bundle runs): $(DEMO_MLFLOW)"

test: install
	$(VENV)/bin/lint-imports
	$(JLPM) lint
	$(JLPM) test
	$(VENV)/bin/ruff check notebook_ops tests benchmarks docs
	$(VENV)/bin/ruff format --check notebook_ops tests benchmarks docs
	$(VENV)/bin/mypy notebook_ops
	$(PY) -m pytest -q
	$(MAKE) test-browser

# Real-browser tests (Galata + Debian's chromium; test tools cannot download browsers here).
test-browser: install
	@test -x /usr/bin/chromium || { S=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$S apt-get update -qq && $$S apt-get install -y -qq chromium; }
	$(JLPM) test:browser

# JupyterLab on examples/ with the extension; prints the URL to open.
lab: install
	@mkdir -p build
	@T=$$($(PY) -c 'import secrets; print(secrets.token_hex(16))'); \
	echo "JupyterLab with notebook-ops, open: http://localhost:$(LAB_PORT)/lab/tree/churn.ipynb?token=$$T"; \
	PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(VENV)/bin/jupyter lab --notebook-dir=examples --port=$(LAB_PORT) \
	  --IdentityProvider.token=$$T \
	  --SQLiteYStore.db_path=$(CURDIR)/build/jupyter_ystore.db --no-browser $$([ "$$(id -u)" = 0 ] && echo --allow-root)

bench: install
	$(PY) benchmarks/run_all.py

# The documentation site (docs/, Sphinx + MyST) into docs/_build/html: warnings are errors,
# nitpicky; every cross-reference between pages and every link of README.md is checked (no
# internet here: web links are not; docs/README.md). The `docs` extra is installed when missing.
DOCS_STAMP := $(VENV)/.docs-stamp
$(DOCS_STAMP): pyproject.toml | $(STAMP)
	$(PY) -m pip install -q $$($(PY) -c 'import tomllib; print(" ".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["docs"]))')
	@touch $@

docs: $(DOCS_STAMP)
	$(VENV)/bin/sphinx-build -W --keep-going -n -q -b html docs docs/_build/html
	@echo "documentation: $(CURDIR)/docs/_build/html/index.html"

clean:
	rm -rf $(VENV) $(AIRFLOW_VENV) $(KFP_VENV) build dist .pytest_cache docs/_build
