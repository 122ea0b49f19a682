# Two entry points for a fresh machine: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench clean

# The install step. Under CI=true a packaging deprecation is an error: .ci/strict_build.py
# builds the package with setuptools' deprecation warnings raised, before anything is installed.
$(BIN)/batchlab: pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	if [ "$(CI)" = true ]; then $(BIN)/python .ci/strict_build.py; fi
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

demo: $(BIN)/batchlab
	$(BIN)/batchlab demo

test: $(BIN)/batchlab
	MPLBACKEND=agg $(BIN)/pytest -q -n 2 --dist loadfile

lint: $(BIN)/batchlab
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

bench: $(BIN)/batchlab
	$(BIN)/python benchmarks/bench_engine.py

clean:
	rm -rf $(VENV) batchlab.db* reports
