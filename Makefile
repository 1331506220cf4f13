# Everything a fresh machine needs: `make test` and `make demo` build .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install test demo fixtures bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -q

# Serve the bundled fixture site on loopback, crawl it into ./archive.db + ./warcs/, then open Datasette.
demo: $(STAMP)
	$(BIN)/python -m fixtures.demo

# Regenerate every fixture's expected JSON (and recorded WARC) on purpose; review with `git diff fixtures/`.
fixtures: $(STAMP)
	$(BIN)/python -m fixtures.regenerate

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) archive.db archive.db-* warcs .pytest_cache
