# Two commands on a fresh clone: `make report` and `make test` (see README.md).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
KERNEL := loyalty

.PHONY: install report test browser java bench lint lab lock clean-venv translations

install: $(STAMP)

# The venv is rebuilt when the pinned dependencies or the project metadata change.
$(STAMP): pyproject.toml constraints.txt
	@test -n "$(PYTHON)" || { echo "Python 3.11 not found (set PYTHON=/path/to/python3.11)"; exit 1; }
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python >= 3.11 required, found " + sys.version' 
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip==26.3"
	$(PY) -m pip install --quiet -c constraints.txt -e ".[report,lab,dev]"
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python ($(KERNEL))" >/dev/null
	@touch $(STAMP)

## Run every report in reports.yaml on the bundled data; HTML in reports/latest/index.html.
## As many reports at once as there are cores (`make report JOBS=1`: one after another);
## `make report LANGUAGE=ru` (uk, be, en): the whole run in that language
report: install
	$(VENV)/bin/loyalty report $(if $(JOBS),--jobs $(JOBS)) $(if $(LANGUAGE),-p language=$(LANGUAGE))

## The whole test suite: library tests, doctests, nbval over every notebook, real browser,
## every core function on a local Spark session (needs Java 17), and the strict tooling
## (ruff, import-layer contracts, declared dependencies: tests/test_tooling.py)
test: install browser java
	$(PY) -m pytest -n 2 --dist loadfile --no-loadscope-reorder --nbval-lax

## Benchmarks against the peers (pandas recipes, DuckDB SQL, polars, lifetimes); writes
## benchmarks/results.md. Never part of `make test`. BENCH_ARGS="--sizes 1000000" for a quick run;
## BENCH_ARGS="--only parallel --merge": the bundled run with --jobs 1 and 2 against its floor.
## BENCH_ARGS="--only clv --merge" reruns one workload (here summary + BG/NBD + Gamma-Gamma against
## lifetimes) and keeps the other sections of results.md. lifetimes 0.11.3 runs in this venv
## (pandas 3, numpy 2); its fitters need autograd and dill, pinned in constraints.txt.
BENCH_STAMP := $(VENV)/.installed-bench
$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -c constraints.txt -e ".[report,lab,dev,bench]"
	@touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(PY) -m benchmarks.run $(BENCH_ARGS)

## Java 17 for the Spark tests (PySpark starts a local JVM); Debian's OpenJDK if missing
java:
	@if command -v java >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "Installing Debian's openjdk-17-jre-headless for the Spark tests ..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
	else \
		echo "Install Java 17 for the Spark tests: sudo apt-get install openjdk-17-jre-headless"; exit 1; \
	fi

## Debian's Chromium and ChromeDriver for tests/test_browser.py (test tools' own browser
## downloads are not used)
browser:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "Installing Debian's chromium and chromium-driver ..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else \
		echo "Install Debian's chromium and chromium-driver: sudo apt-get install chromium chromium-driver"; exit 1; \
	fi

## ruff lint and format check, import-layer contracts, declared dependencies (all also run by
## tests/test_tooling.py inside `make test`)
lint: install
	$(VENV)/bin/ruff check loyalty_lib tests benchmarks
	$(VENV)/bin/ruff format --check loyalty_lib tests benchmarks
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/deptry .

## Catalogues: extract every manager-facing string (babel.cfg) into loyalty_lib/locale/loyalty.pot,
## merge it into each language's loyalty.po, compile the .mo files (committed; a test checks
## they match the .po). Translate the new entries in the .po files, then run it again.
translations: install
	PYTHONPATH=. $(VENV)/bin/pybabel extract --no-location --sort-output -F babel.cfg \
		--project=loyalty-lib -o loyalty_lib/locale/loyalty.pot .
	$(VENV)/bin/pybabel update --no-fuzzy-matching --ignore-obsolete -D loyalty \
		-i loyalty_lib/locale/loyalty.pot -d loyalty_lib/locale
	$(VENV)/bin/pybabel compile --statistics -D loyalty -d loyalty_lib/locale

## JupyterLab with the project kernel ("Python (loyalty)")
lab: install
	$(VENV)/bin/jupyter lab --notebook-dir=.

## Re-pin every dependency to the newest release allowed by pyproject.toml
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --upgrade "pip==26.3"
	.lock-venv/bin/pip install --quiet -e ".[report,lab,dev,bench]"
	.lock-venv/bin/pip freeze --exclude-editable | grep -v '^loyalty' > constraints.txt
	rm -rf .lock-venv

clean-venv:
	rm -rf $(VENV)
