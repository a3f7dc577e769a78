# Developer entry points. Every target first makes sure .venv holds an up-to-date editable install:
# the commands need only the bare package (seconds to install); `make test` adds the test extra (pytest,
# Hypothesis, pandas, Dask, ONNX, torch: a few minutes the first time). One venv, one stamp per level, so
# switching between `make run` and `make test` reinstalls nothing; an install is redone only when
# pyproject.toml is newer than its stamp.

PYTHON ?= python3
VENV := .venv
VENV_PYTHON := $(VENV)/bin/python
PIP_INSTALL := $(VENV_PYTHON) -m pip install --quiet --disable-pip-version-check
PACKAGE_STAMP := $(VENV)/.installed-package
TEST_STAMP := $(VENV)/.installed-test-extra

# `make bench MAPPINGS=dir HW=file` analyses another folder; by default the shipped examples.
MAPPINGS ?= src/mapscope/examples
HW ?= src/mapscope/examples/accelerator_256pe.m

.PHONY: install install-test run test bench bench-flexsa bench-explore flexsa explore l2-sweep fuzz clean

install: $(PACKAGE_STAMP)

install-test: $(TEST_STAMP)

$(VENV_PYTHON):
	$(PYTHON) -m venv $(VENV)

# The bare package: its core dependencies only.
$(PACKAGE_STAMP): pyproject.toml | $(VENV_PYTHON)
	$(PIP_INSTALL) -e .
	touch $(PACKAGE_STAMP)

# The package with the test extra; it includes the bare install, so both stamps are brought up to date.
$(TEST_STAMP): pyproject.toml | $(VENV_PYTHON)
	$(PIP_INSTALL) -e '.[test]'
	touch $(TEST_STAMP) $(PACKAGE_STAMP)

run: $(PACKAGE_STAMP)
	$(VENV)/bin/mapscope analyze resnet50_kcp_ws --hw accelerator_256pe \
		--csv out/resnet50_kcp_ws.csv --json out/resnet50_kcp_ws.json

test: $(TEST_STAMP)
	$(VENV_PYTHON) -m pytest --durations=15  # the slowest tests, in CI's log too: keep the suite short

bench: $(PACKAGE_STAMP)
	$(VENV_PYTHON) benchmarks/bench_analyze.py $(MAPPINGS) $(HW)

bench-flexsa: $(PACKAGE_STAMP)
	$(VENV_PYTHON) benchmarks/bench_flexsa.py

# The FlexSA reproduction quoted in the README (ResNet-50, default synthetic trajectory).
flexsa: $(PACKAGE_STAMP)
	$(VENV)/bin/mapscope flexsa --model resnet50 --json out/flexsa_resnet50.json \
		--csv out/flexsa_resnet50.csv --plots out/flexsa_plots

bench-explore: $(PACKAGE_STAMP)
	$(VENV_PYTHON) benchmarks/bench_explore.py

# The design-space exploration in the README: ResNet-50 energy against area under a 25 mm^2 budget (about 6 s).
explore: $(PACKAGE_STAMP)
	rm -f out/resnet50_area_budget.db
	$(VENV)/bin/mapscope explore resnet50_area_budget --store out/resnet50_area_budget.db \
		--json out/resnet50_area_budget.json --plot out/resnet50_area_budget.png --export out/resnet50_area_budget.csv

# The README's L2 sweep: ResNet-50's energy per component against the L2 size (writes docs/images/l2_sweep.png).
l2-sweep: $(PACKAGE_STAMP)
	$(VENV_PYTHON) benchmarks/l2_sweep.py

# The fuzz suite over every reader family (the ONNX family needs the test extra): about 10 min on 2 cores.
FUZZ_INPUTS ?= 20000
fuzz: $(TEST_STAMP)
	$(VENV_PYTHON) benchmarks/fuzz_readers.py --per-family $(FUZZ_INPUTS)

clean:
	rm -rf $(VENV) out
