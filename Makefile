# Set-up and checks. `make install` then `make test` on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The CPU machines here serve these two from local disk; pick another torch build if you need one.
TORCH ?= torch==2.14.1 torchvision==0.29.1
# A benchmark piped into tee must still fail the target when it breaks.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c

.PHONY: install test test-slow test-long lint bench bench-ci report lab gpu-check

install:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet $(TORCH)
	$(BIN)/pip install --quiet -e '.[dev,openvino]'

test: lint
	$(BIN)/pytest -m "not slow" -q

test-slow:
	$(BIN)/pytest -m "slow and not long" -q

# Learning checks that train every variant for minutes each (about 30 minutes in all on 2 cores): beyond CI's budget.
test-long:
	$(BIN)/pytest -m long -q

lint:
	$(BIN)/ruff check .

bench:
	$(BIN)/python benchmarks/throughput.py
	$(BIN)/python benchmarks/overhead.py
	$(BIN)/python benchmarks/allocator.py
	$(BIN)/python benchmarks/speed.py --plot docs/speed.png
	$(BIN)/python benchmarks/metrics_speed.py

# Quick versions of the benchmarks (smoke checks, not results): tables in the log and in benchmarks/results/ci/.
# They fail only when a benchmark breaks, never on a slow or noisy number.
CI_RESULTS := benchmarks/results/ci
bench-ci:
	mkdir -p $(CI_RESULTS)
	$(BIN)/python benchmarks/throughput.py --quick | tee $(CI_RESULTS)/throughput.md
	$(BIN)/python benchmarks/toy2d.py --quick | tee $(CI_RESULTS)/toy2d.md
	$(BIN)/python benchmarks/quality.py --quick --markdown $(CI_RESULTS)/quality.md
	$(BIN)/python benchmarks/lucic2018.py --quick --jobs 2 | tee $(CI_RESULTS)/lucic2018.md
	$(BIN)/python benchmarks/stacked_mnist.py --quick | tee $(CI_RESULTS)/stacked_mnist.md
	$(BIN)/python benchmarks/overhead.py --quick | tee $(CI_RESULTS)/overhead.md
	$(BIN)/python benchmarks/allocator.py --quick --models vanilla_gan | tee $(CI_RESULTS)/allocator.md
	$(BIN)/python benchmarks/speed.py --quick | tee $(CI_RESULTS)/speed.md
	$(BIN)/python benchmarks/metrics_speed.py --quick | tee $(CI_RESULTS)/metrics_speed.md
	$(BIN)/python benchmarks/gpu_check.py --dry | tee $(CI_RESULTS)/gpu_check.md
	$(BIN)/python benchmarks/report.py --out $(CI_RESULTS)/BENCHMARKS.md

# On a machine with a CUDA GPU: every model in bf16-mixed and 16-mixed, throughput and MFU, FID time, DDP on 2 GPUs
# (about 8 minutes; rows in benchmarks/results/gpu_check.jsonl). Without a GPU it runs its dry version on the CPU.
gpu-check:
	$(BIN)/python benchmarks/gpu_check.py

# BENCHMARKS.md from the committed rows in benchmarks/results/*.jsonl.
report:
	$(BIN)/python benchmarks/report.py --readme README.md

# The GAN notes' experiments: figures and numbers in docs/lab/, shown by docs/theory.md (about 15 minutes on 2 cores).
lab:
	$(BIN)/ganzoo lab all --out docs/lab
