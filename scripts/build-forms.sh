#!/usr/bin/env bash
# Compiles every ui/<name>.ui into officer_console/gui/forms/ui_<name>.py with pyside6-uic.
# Usage: scripts/build-forms.sh [OUTPUT_DIR]   (tests pass a temp dir to check freshness)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-officer_console/gui/forms}"
uic="${PYSIDE6_UIC:-.venv/bin/pyside6-uic}"
mkdir -p "$out"
[ -f "$out/__init__.py" ] || printf '"""Modules generated from ui/*.ui by scripts/build-forms.sh — do not edit."""\n' >"$out/__init__.py"
for ui in ui/*.ui; do
    name="$(basename "$ui" .ui)"
    target="$out/ui_${name}.py"
    {
        printf '# Generated from ui/%s.ui by pyside6-uic — do not edit\n# mypy: ignore-errors\n' "$name"
        "$uic" --generator python "$ui"
    } >"$target.tmp"
    mv "$target.tmp" "$target"
    echo "$ui -> $target"
done
