#!/usr/bin/env bash
# Compiles the Windows installer script with a stub payload (makensis from Debian's nsis), so
# the script is checked on every CI run. The real payload is built on Windows (operations.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v makensis >/dev/null || { echo "build-stub: makensis missing (apt-get install nsis)" >&2; exit 2; }
VERSION=$(.venv/bin/python -c 'import officer_console; print(officer_console.__version__)')
STUB=build/windows-stub/officer-console
rm -rf build/windows-stub
mkdir -p "$STUB/_internal" dist
for exe in officer-console officer-admin officer-gateway; do
    printf 'MZ stub for %s\n' "$exe" > "$STUB/$exe.exe"
done
echo "stub payload: the real one is the Windows PyInstaller bundle" > "$STUB/_internal/README.txt"
OUT=dist/officer-console-${VERSION}-stub-setup.exe
(cd installer/windows && makensis -V2 -WX -DVERSION="$VERSION" -DPAYLOAD_DIR="../../$STUB" \
    -DOUTFILE="../../$OUT" officer-console.nsi)
[ "$(head -c 2 "$OUT")" = "MZ" ] || { echo "build-stub: $OUT is not a Windows executable" >&2; exit 1; }
echo "build-stub: $OUT ($(du -h "$OUT" | cut -f1))"
