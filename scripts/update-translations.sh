#!/usr/bin/env bash
# Refreshes resources/translations/officer_console_zh_CN.ts from every module under officer_console/gui/
# (self.tr / QCoreApplication.translate) and ui/*.ui with pyside6-lupdate (existing
# translations are kept), then compiles it to the .qm the application loads.
# Fill new entries (type="unfinished") with Qt Linguist (pyside6-linguist) or an editor.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${PYSIDE6_BIN:-.venv/bin}"
ts=resources/translations/officer_console_zh_CN.ts
mkdir -p resources/translations
mapfile -t sources < <(find officer_console/gui -name '*.py' -not -path '*/forms/*' | sort)
"$bin/pyside6-lupdate" -locations none -no-obsolete -target-language zh_CN \
    "${sources[@]}" ui/*.ui -ts "$ts"
"$bin/pyside6-lrelease" "$ts" -qm "${ts%.ts}.qm"
unfinished=$(grep -c 'type="unfinished"' "$ts" || true)
echo "update-translations: $ts ($unfinished unfinished)"
