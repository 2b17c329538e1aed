#!/usr/bin/env bash
# Starts the program's main job on a fresh embedded SQLite demo database in ./demo-data
# (override with OFFICER_CONSOLE_DATA_DIR). Until the GUI lands, the main job is
# officer-admin: migrate, seed the demo detachment, and print its summary and health check.
set -euo pipefail
cd "$(dirname "$0")/.."
export OFFICER_CONSOLE_DATA_DIR="${OFFICER_CONSOLE_DATA_DIR:-$PWD/demo-data}"
unset OFFICER_CONSOLE_DATABASE_URL
rm -rf "$OFFICER_CONSOLE_DATA_DIR"
mkdir -p "$OFFICER_CONSOLE_DATA_DIR"
.venv/bin/officer-admin migrate
.venv/bin/officer-admin seed-demo
.venv/bin/officer-admin check
