# Everything a fresh machine needs: `make test` and `make demo` build .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install test browser redis pywb demo fixtures bench clean scrapyd-deploy

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# scrapyd-deploy builds the egg with this venv's setuptools: >=77 for the license string, <81 for Scrapyd.
	$(BIN)/pip install --quiet 'setuptools>=77,<81'
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP) browser redis pywb
	$(BIN)/python -m pytest -q

# Debian's chromium (and a CJK font, so screenshots show Chinese) for tests/test_browser_*.py.
# Best effort: if it cannot be installed the browser tests skip and say why.
browser:
	@if [ -x /usr/bin/chromium ] && fc-list :lang=zh 2>/dev/null | grep -q .; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then sudo=; \
	elif command -v sudo >/dev/null 2>&1; then sudo="sudo -n"; \
	else echo "browser: not root and no sudo, not installing chromium; the browser tests will skip"; exit 0; fi; \
	$$sudo apt-get update -qq && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	  --no-install-recommends chromium fonts-wqy-zenhei \
	  || echo "browser: could not install chromium; the browser tests will skip"

# Debian's redis-server for the shared-frontier tests (tests/test_frontier*.py); they start
# their own server on a free port. Best effort: without it those tests skip and say why.
redis:
	@if command -v redis-server >/dev/null 2>&1; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then sudo=; \
	elif command -v sudo >/dev/null 2>&1; then sudo="sudo -n"; \
	else echo "redis: not root and no sudo, not installing redis-server; the frontier tests will skip"; exit 0; fi; \
	$$sudo apt-get update -qq && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	  --no-install-recommends redis-server \
	  || echo "redis: could not install redis-server; the frontier tests will skip"

# pywb in a virtualenv of its own (it pins redis 2.x, scrapy-redis needs redis >= 4), for
# tests/test_pywb_replay.py. Best effort: without it that test skips and says why.
pywb: $(VENV)/pywb/bin/wayback

$(VENV)/pywb/bin/wayback:
	$(PYTHON) -m venv $(VENV)/pywb
	$(VENV)/pywb/bin/pip install --quiet pywb || echo "pywb: could not install; the pywb test will skip"

# Serve the bundled fixture site on loopback, crawl it into ./archive.db + ./warcs/, then open Datasette.
demo: $(STAMP)
	$(BIN)/python -m fixtures.demo

# Regenerate every fixture's expected JSON (and recorded WARC) on purpose; review with `git diff fixtures/`.
fixtures: $(STAMP)
	$(BIN)/python -m fixtures.regenerate

# Deploy the spiders to Scrapyd: `make scrapyd-deploy` (http://127.0.0.1:6800/), or
# `make scrapyd-deploy SCRAPYD_URL=http://host:port/`, or `make scrapyd-deploy TARGET=name`
# for a [deploy:name] section of scrapy.cfg. Fails when Scrapyd refuses the egg.
scrapyd-deploy: $(STAMP)
	$(BIN)/python -m harvester.scrapyd_deploy $(TARGET)

# BENCH_QUICK=1: 300 pages, no 10,000-page memory crawl, 2,000 articles (100,000 paragraphs).
bench: $(STAMP)
	$(BIN)/python -m bench
	$(BIN)/python -m bench.crawl $(if $(BENCH_QUICK),--pages 300 --growth 0)
	$(BIN)/python -m bench.archive $(if $(BENCH_QUICK),--articles 2000)
	$(BIN)/python -m bench.scale
	$(BIN)/python -m bench.copies

clean:
	rm -rf $(VENV) archive.db archive.db-* archive.db.state warcs .pytest_cache test-output
