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

# Parallel workers (pytest-xdist, --dist worksteal: idle workers take queued tests from busy
# ones): the tests mostly wait (servers, sockets, Qt timers), so 4 workers keep 2 cores busy.
# Qt tests run in the workers too (docs/testing.md: the xdist segfault and its fix). Only the
# few tests marked `realtime` (real-time sound, A/V sync, bandwidth, a live call) run alone
# afterwards, where CPU contention cannot fail them. PYTEST_WORKERS=0: all serial.
PYTEST_WORKERS ?= 4
test: setup
	$(VENV)/python -m pytest -n $(PYTEST_WORKERS) --dist worksteal --durations=25 -m "not realtime" $(PYTEST_ARGS)
	$(VENV)/python -m pytest --durations=10 -m realtime $(PYTEST_ARGS)

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
	@# Python archive stored, not zlib-compressed: xz packs the raw byte code ~9 MB smaller.
	PYINSTALLER_ZLIB_COMPRESSION_LEVEL=0 $(VENV)/pyinstaller --noconfirm --log-level WARN \
		--distpath build/bundle --workpath build/pyinstaller installer/officer-console.spec
	DEB_COMPRESS=$(DEB_COMPRESS) installer/build-deb.sh build/bundle/officer-console
