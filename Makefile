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
EXTRAS_all    := dev,course,app,site
# pytest workers: one per core (pytest-xdist); each worker, and each notebook kernel it starts,
# runs torch single-threaded: more threads than cores slows torch down many times over
WORKERS ?= auto
PYTEST_ARGS ?=

.PHONY: help install lab test test-site site serve-site app notebooks bench lint clean

help:
	@echo "make lab        open the course (JupyterLab on notebooks/)"
	@echo "make test       run every test (unit, exercises, notebooks, app)"
	@echo "make app        launch the Gradio demo on http://127.0.0.1:7860"
	@echo "make site       build the course website into _build/site (make serve-site: http://127.0.0.1:8000)"
	@echo "make test-site  build the website and test it in a real browser"
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
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python -m pytest -n $(WORKERS) --dist loadfile -m "not site" $(PYTEST_ARGS)

# The course website: committed notebooks (not re-executed) + the in-browser generator.
# npm fetches MathJax and onnxruntime-web (pinned in site/package.json) at build time only.
SITE_NPM := _build/npm
$(SITE_NPM)/node_modules/.tinyvid-site: site/package.json
	mkdir -p $(SITE_NPM) && cp site/package.json $(SITE_NPM)/package.json
	cd $(SITE_NPM) && npm install --no-audit --no-fund --no-package-lock --loglevel=error
	@touch $@

site: $(STAMP)-all $(SITE_NPM)/node_modules/.tinyvid-site
	$(BIN)/python scripts/build_site.py --npm $(SITE_NPM)

serve-site:
	@test -f _build/site/index.html || $(MAKE) site
	$(BIN)/python -m http.server 8000 --bind 127.0.0.1 --directory _build/site

test-site: site
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python -m pytest -n 0 -m site tests/site $(PYTEST_ARGS)

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
	rm -rf $(VENV) .pytest_cache .ruff_cache _build
