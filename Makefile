# visattn: every command a contributor or CI needs. `make test` works on a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.visattn-installed
# The machine-wide pip config may point at a local CPU-only torch wheel that PyPI's
# torchvision cannot load; install from PyPI alone.
PIP := env -u PIP_FIND_LINKS -u PIP_EXTRA_INDEX_URL PIP_CONFIG_FILE=/dev/null $(PY) -m pip

.PHONY: install test sync nbtest docs sitecheck readme clean demo reference

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --progress-bar off -q --upgrade pip
	$(PIP) install --progress-bar off -q -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

## Sync check, then every notebook, property test, docs-processing, site (headless Chromium) and wheel test in one pytest run.
test: $(STAMP)
	PATH="$(abspath $(BIN)):$$PATH" tools/check_sync.sh
	PATH="$(abspath $(BIN)):$$PATH" $(PY) -m pytest tests -v

## The README's main job: a short comparison of none / SE / ECA on a fifth of Fashion-MNIST (a few minutes on 2 CPU cores).
demo: $(STAMP)
	tools/ensure_fashion_mnist.sh $(PY)
	$(BIN)/visattn compare --data fashion_mnist --attn none,se,eca --epochs 2 --subset 0.2 --seeds 1 --out demo

## The training chapter's results table and the chapters' checkpoints (hours on a CPU; resumable).
reference: $(STAMP)
	tools/ensure_fashion_mnist.sh $(PY)
	$(PY) tools/train_reference.py $(REFERENCE_ARGS)

## Export the library, regenerate README.md from nbs/index.ipynb, clean notebooks.
sync: $(STAMP)
	$(BIN)/nbdev-clean && $(BIN)/nbdev-export && $(PY) tools/readme.py

## Notebooks only, faster while writing a chapter (FLAGS="slow cuda" to include flagged cells).
nbtest: $(STAMP)
	VISATTN_TEST_FLAGS="$(FLAGS)" $(PY) -m pytest tests/test_notebooks.py -v

readme: $(STAMP)
	$(PY) tools/readme.py

## The Quarto site (_docs/) where Quarto exists; otherwise an offline preview, a page per notebook in _preview/
## (nbdev's processing, Debian's pandoc with MathML, installed with apt-get when missing): open _preview/index.html.
docs: $(STAMP)
	@if command -v quarto >/dev/null; then PATH="$(abspath $(BIN)):$$PATH" $(BIN)/nbdev-docs; \
	else echo "quarto not found: building the offline preview into _preview/ (nbdev processing + pandoc)"; \
	PATH="$(abspath $(BIN)):$$PATH" $(PY) tools/preview.py --out _preview ; fi

## The offline preview plus the browser check that `make test` runs (links, figures, equations in headless Chromium).
sitecheck: $(STAMP)
	PATH="$(abspath $(BIN)):$$PATH" $(PY) tools/preview.py --out _preview --check --screenshots test-artifacts/site

clean:
	rm -rf _proc _docs _preview build dist demo *.egg-info .pytest_cache .hypothesis test-artifacts
