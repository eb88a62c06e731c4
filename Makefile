# notebook-ops: `make demo` and `make test` set everything up by themselves on a fresh clone.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
EXAMPLE := examples/churn.ipynb

.PHONY: install demo test lab bench clean

install: $(STAMP)

# Re-installs only when the project's install inputs change.
$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	@$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

demo: install
	$(VENV)/bin/notebook-ops inspect $(EXAMPLE)

test: install
	$(PY) -m pytest -q

lab: install
	$(VENV)/bin/jupyter lab --notebook-dir=examples

bench: install
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) build dist .pytest_cache
