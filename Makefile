# Two commands do everything on a fresh machine:
#   make run   — set up and start the program on the embedded SQLite demo database
#                (make run DEMO_DIR=~/oc-demo keeps the demo data; otherwise it is removed on exit)
#   make test  — set up and run the whole test suite (SQLite and a throwaway PostgreSQL)
.PHONY: setup setup-run run test lint bench clean package

VENV := .venv/bin

setup:
	@scripts/setup.sh

# Running needs less than testing: no PostgreSQL server, Chromium or poppler (scripts/setup.sh).
setup-run:
	@scripts/setup.sh --run

run: setup-run
	@scripts/run-demo.sh

# Parallel workers (pytest-xdist): the tests mostly wait (servers, sockets), so 4 workers keep
# 2 cores busy. The Qt tests (gui, video, e2e) run serially afterwards: inside xdist workers
# they crashed Qt (a segfault in pytest-qt's teardown, docs/testing.md). PYTEST_WORKERS=0: serial.
PYTEST_WORKERS ?= 4
QT_TESTS := tests/gui tests/video tests/e2e
test: setup
	$(VENV)/python -m pytest -n $(PYTEST_WORKERS) --durations=25 $(addprefix --ignore=,$(QT_TESTS)) $(PYTEST_ARGS)
	$(VENV)/python -m pytest --durations=25 $(QT_TESTS) $(PYTEST_ARGS)

lint: setup
	$(VENV)/ruff check officer_console tests bench
	$(VENV)/ruff format --check officer_console tests bench
	$(VENV)/mypy
	$(VENV)/lint-imports

bench: setup
	@for b in bench/*.py; do echo "== $$b"; $(VENV)/python $$b || exit 1; done

clean:
	rm -rf .venv build *.egg-info .pytest_cache .mypy_cache .ruff_cache

# Installer (installer/): PyInstaller one-folder bundle + dist/officer-console_<version>_amd64.deb.
# DEB_COMPRESS=gzip (default: fast, level 1) | xz (releases). Needs dpkg-deb (and chrpath).
DEB_COMPRESS ?= gzip
package: setup
	@test -x $(VENV)/pyinstaller || $(VENV)/python -m pip install -q -e ".[test,package]"
	$(VENV)/pyinstaller --noconfirm --log-level WARN --distpath build/bundle \
		--workpath build/pyinstaller installer/officer-console.spec
	DEB_COMPRESS=$(DEB_COMPRESS) installer/build-deb.sh build/bundle/officer-console
