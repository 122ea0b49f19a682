# Two entry points for a fresh machine: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench clean

$(BIN)/batchlab: pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

demo: $(BIN)/batchlab
	$(BIN)/batchlab demo

test: $(BIN)/batchlab
	MPLBACKEND=agg $(BIN)/pytest -q

lint: $(BIN)/batchlab
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

bench: $(BIN)/batchlab
	$(BIN)/python benchmarks/bench_engine.py

clean:
	rm -rf $(VENV) batchlab.db* reports
