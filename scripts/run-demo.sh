#!/usr/bin/env bash
# Starts Officer Console on a freshly migrated and seeded embedded SQLite demo database
# (officer-console --demo prints the demo accounts). Without a display it runs on a virtual
# X server (xvfb-run), so the same command works on a headless workstation image.
# DEMO_DIR=<dir> (make run DEMO_DIR=~/oc-demo) keeps the demo database and recordings there
# across restarts; without it a temporary directory is used and removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
unset OFFICER_CONSOLE_DATABASE_URL
demo_args=(--demo)
if [ -n "${DEMO_DIR:-}" ]; then
    mkdir -p "$DEMO_DIR"
    demo_args+=(--data-dir "$(cd "$DEMO_DIR" && pwd)")
    echo "run: persistent demo data directory $DEMO_DIR"
fi
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
    if command -v xvfb-run >/dev/null 2>&1; then
        echo "run: no display found; starting on a virtual X server (xvfb-run)"
        exec xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/officer-console "${demo_args[@]}" "$@"
    fi
    export QT_QPA_PLATFORM=offscreen
    echo "run: no display and no xvfb-run; starting offscreen"
fi
exec .venv/bin/officer-console "${demo_args[@]}" "$@"
