# Two commands do everything on a fresh machine:
#   make lab    set up .venv (first time only) and open the course in JupyterLab
#   make test   set up .venv (first time only) and run the whole test suite
# Each target installs what it needs (make lab: the course; make app: the app; make test:
# everything); re-installing is skipped while pyproject.toml is unchanged (the stamp files below).

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.tinyvid-installed
# the pip extras of each stamp: the library alone, the course, the app, everything (tests, lint)
EXTRAS_core   :=
EXTRAS_course := course
EXTRAS_app    := app
EXTRAS_all    := dev,course,app
# pytest workers: one per core (pytest-xdist); each worker, and each notebook kernel it starts,
# runs torch single-threaded: more threads than cores slows torch down many times over
WORKERS ?= auto
PYTEST_ARGS ?=

.PHONY: help install lab test app notebooks bench lint clean

help:
	@echo "make lab        open the course (JupyterLab on notebooks/)"
	@echo "make test       run every test (unit, exercises, notebooks, app)"
	@echo "make app        launch the Gradio demo on http://127.0.0.1:7860"
	@echo "make notebooks  sync lessons_src/*.py -> notebooks/*.ipynb and execute them"
	@echo "make bench      print the speed benchmarks"
	@echo "make lint       ruff"

install: $(STAMP)-all

.PRECIOUS: $(STAMP)-%
$(STAMP)-%: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".$(if $(EXTRAS_$*),[$(EXTRAS_$*)])"
	@touch $@

# root (containers, CI machines) needs --allow-root; LAB_ARGS adds more, e.g. --no-browser --port 8899
LAB_ARGS ?=
lab: $(STAMP)-course
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root,) $(LAB_ARGS) notebooks/00_welcome.ipynb

test: $(STAMP)-all
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python -m pytest -n $(WORKERS) --dist loadfile $(PYTEST_ARGS)

app: $(STAMP)-app
	@if [ -f app/__main__.py ]; then $(BIN)/python -m app; \
	else echo "The Gradio demo (app/) is not built yet: it will serve text-to-video, image-to-video, extension, interpolation and a flicker lab on http://127.0.0.1:7860."; fi

notebooks: $(STAMP)-course
	$(BIN)/jupytext --sync lessons_src/*.py
	$(BIN)/python scripts/execute_notebooks.py notebooks/*.ipynb

bench: $(STAMP)-core
	$(BIN)/python -m tinyvid bench data

lint: $(STAMP)-all
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
