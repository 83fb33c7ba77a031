# `make demo` and `make test` work on a fresh Debian machine, as root.
VENV := .venv
PY := $(VENV)/bin/python
PYTEST := $(VENV)/bin/pytest

.PHONY: setup test test-fast lint demo bench clean

setup: $(VENV)/.setup-stamp

$(VENV)/.setup-stamp: pyproject.toml scripts/setup.sh
	./scripts/setup.sh

test: setup lint
	$(PYTEST) -n 2 -q

test-fast: setup
	$(PYTEST) -n 2 -q -m "not slow and not system"

lint: setup
	$(VENV)/bin/ruff check pyovn tests bench
	$(VENV)/bin/mypy pyovn

demo: setup
	$(PY) -m pyovn.demo

bench: setup
	$(PY) bench/ovsdb_bench.py
	$(PY) bench/logical_bench.py

clean:
	rm -rf $(VENV) .pytest_cache
