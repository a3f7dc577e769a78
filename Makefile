# Developer entry points. Every target first makes sure .venv holds an up-to-date editable install;
# the install is redone only when pyproject.toml is newer than the stamp file.

PYTHON ?= python3
VENV := .venv
VENV_PYTHON := $(VENV)/bin/python
INSTALL_STAMP := $(VENV)/.installed-from-pyproject

# `make bench MAPPINGS=dir HW=file` analyses another folder; by default the shipped examples.
MAPPINGS ?= src/mapscope/examples
HW ?= src/mapscope/examples/accelerator_256pe.m

.PHONY: install run test bench bench-flexsa bench-explore flexsa explore clean

install: $(INSTALL_STAMP)

$(VENV_PYTHON):
	$(PYTHON) -m venv $(VENV)

$(INSTALL_STAMP): pyproject.toml | $(VENV_PYTHON)
	$(VENV_PYTHON) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(INSTALL_STAMP)

run: $(INSTALL_STAMP)
	$(VENV)/bin/mapscope analyze resnet50_kcp_ws --hw accelerator_256pe \
		--csv out/resnet50_kcp_ws.csv --json out/resnet50_kcp_ws.json

test: $(INSTALL_STAMP)
	$(VENV_PYTHON) -m pytest

bench: $(INSTALL_STAMP)
	$(VENV_PYTHON) benchmarks/bench_analyze.py $(MAPPINGS) $(HW)

bench-flexsa: $(INSTALL_STAMP)
	$(VENV_PYTHON) benchmarks/bench_flexsa.py

# The FlexSA reproduction quoted in the README (ResNet-50, default synthetic trajectory).
flexsa: $(INSTALL_STAMP)
	$(VENV)/bin/mapscope flexsa --model resnet50 --json out/flexsa_resnet50.json \
		--csv out/flexsa_resnet50.csv --plots out/flexsa_plots

bench-explore: $(INSTALL_STAMP)
	$(VENV_PYTHON) benchmarks/bench_explore.py

# The design-space exploration in the README: ResNet-50 under a 25 mm^2 area budget (about 2 s).
explore: $(INSTALL_STAMP)
	rm -f out/resnet50_area_budget.db
	$(VENV)/bin/mapscope explore resnet50_area_budget --store out/resnet50_area_budget.db \
		--json out/resnet50_area_budget.json --plot out/resnet50_area_budget.png --export out/resnet50_area_budget.csv

clean:
	rm -rf $(VENV) out
