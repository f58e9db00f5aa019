# The two commands a fresh machine needs: `make run` and `make test`.
# Both create .venv, install the Python packages and the Debian packages the project needs
# (Chromium for the browser tests, a Java runtime for the HermiT reasoner, Virtuoso for the store tests).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SYSTEM_STAMP := $(VENV)/.system
PORT   ?= 8501

# Python writes its bytecode caches (some shells set PYTHONDONTWRITEBYTECODE, which makes every test
# worker compile rdflib, pyshacl, streamlit and every test module again: seconds per run)
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test check lint bench fuzz install system clean

install: $(STAMP)

# Virtuoso: the second SPARQL store the tests start themselves (their own config, database folder and
# loopback ports); the package's own system service is stopped and disabled after installing.
$(SYSTEM_STAMP):
	@mkdir -p $(VENV)
	@packages=""; \
	command -v chromium >/dev/null 2>&1 || packages="$$packages chromium"; \
	command -v java >/dev/null 2>&1 || packages="$$packages default-jre-headless"; \
	command -v virtuoso-t >/dev/null 2>&1 || packages="$$packages virtuoso-opensource"; \
	if [ -n "$$packages" ]; then \
	    echo "Installing Debian packages:$$packages"; \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$packages; \
	fi
	@if [ -e /etc/init.d/virtuoso-opensource-7 ]; then \
	    (invoke-rc.d virtuoso-opensource-7 stop; update-rc.d virtuoso-opensource-7 disable; \
	     systemctl disable --now virtuoso-opensource-7) >/dev/null 2>&1 || true; \
	fi
	@touch $@

$(STAMP): pyproject.toml $(SYSTEM_STAMP)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	@touch $@

system: $(SYSTEM_STAMP)

run: $(STAMP)
	$(BIN)/ropa stats
	$(BIN)/ropa validate --format text || true
	$(BIN)/ropa dashboard --port $(PORT)

# benchmarks/*.py, tools/*.py: developer tools outside the package (not in the wheel), linted and typed like it
lint: $(STAMP)
	$(BIN)/ruff check src tests dashboard benchmarks/*.py tools/*.py
	$(BIN)/ruff format --check src tests dashboard benchmarks/*.py tools/*.py
	$(BIN)/mypy
	MYPYPATH=src $(BIN)/mypy benchmarks/*.py tools/*.py
	$(BIN)/lint-imports

# Everything, slow tests included (what CI runs).
test: lint
	$(BIN)/python -m pytest -n 2 --dist loadgroup

# The everyday loop, under a minute on 2 cores: lint, then every test not marked slow, browser or server
# (each slow family keeps a fast representative here).
check: lint
	$(BIN)/python -m pytest -n 2 --dist loadgroup -m "not slow and not browser and not server" -q

# A long random pass of the property tests (50 times the examples; FUZZ_SCALE=N to change it).
FUZZ_SCALE ?= 50
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz ROPA_FUZZ_SCALE=$(FUZZ_SCALE) $(BIN)/python -m pytest -p no:xdist tests/test_property_records.py

# The speed tables: benchmarks/bench.py (a script, not part of the package) on the installed package.
bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py --output benchmarks/RESULTS.md

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .ropa-cache test-output
