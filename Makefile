# Set-up and checks. `make install` then `make test` on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The CPU machines here serve these two from local disk; pick another torch build if you need one.
TORCH ?= torch==2.14.1 torchvision==0.29.1

.PHONY: install test test-slow lint bench

install:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet $(TORCH)
	$(BIN)/pip install --quiet -e '.[dev]'

test: lint
	$(BIN)/pytest -m "not slow" -q

test-slow:
	$(BIN)/pytest -m slow -q

lint:
	$(BIN)/ruff check .

bench:
	$(BIN)/python benchmarks/throughput.py
	$(BIN)/python benchmarks/metrics_speed.py
