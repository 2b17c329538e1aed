#!/usr/bin/env bash
# Builds dist/officer-console_<version>_amd64.deb from the PyInstaller bundle with dpkg-deb.
#   installer/build-deb.sh [BUNDLE_DIR]      (make package runs the bundle build first)
# DEB_COMPRESS=gzip (default, level 1: fast, for CI and test builds) | xz (releases: level 9,
# the smallest; ≈ 700 MB of memory to pack, 65 MB to unpack) | zstd (fastest, but Debian 12's lintian rejects it and the older dpkg of UOS/Kylin
# cannot unpack it) | none; DEB_LEVEL overrides the level.
set -euo pipefail
cd "$(dirname "$0")/.."

BUNDLE=${1:-build/bundle/officer-console}
COMPRESS=${DEB_COMPRESS:-gzip}
case "$COMPRESS" in
    zstd) LEVEL=${DEB_LEVEL:-3} ;;
    xz) LEVEL=${DEB_LEVEL:-9} ;;
    gzip) LEVEL=${DEB_LEVEL:-1} ;;
    none) LEVEL=0 ;;
    *) echo "build-deb: DEB_COMPRESS must be zstd, xz, gzip or none" >&2; exit 2 ;;
esac
[ -x "$BUNDLE/officer-console" ] || { echo "build-deb: no bundle in $BUNDLE (make package)" >&2; exit 1; }

PYTHON=${PYTHON_FOR_VERSION:-.venv/bin/python}
VERSION=$("$PYTHON" -c 'import officer_console; print(officer_console.__version__)')
SRC=installer/debian
ROOT=build/deb/officer-console
OUT=dist/officer-console_${VERSION}_amd64.deb
# Reproducible timestamps: the last commit (falls back to now outside git).
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
export SOURCE_DATE_EPOCH

rm -rf "$ROOT"
mkdir -p "$ROOT/DEBIAN" "$ROOT/opt" "$ROOT/usr/bin" "$ROOT/etc/officer-console" \
    "$ROOT/lib/systemd/system" "$ROOT/usr/share/applications" \
    "$ROOT/usr/share/icons/hicolor/scalable/apps" "$ROOT/usr/share/icons/hicolor/256x256/apps" \
    "$ROOT/usr/share/doc/officer-console/examples" "$ROOT/usr/share/lintian/overrides" \
    "$ROOT/usr/share/man/man1" dist

cp -a "$BUNDLE" "$ROOT/opt/officer-console"
# Byte-code caches some wheels ship (e.g. next to licence files) are not for the package.
find "$ROOT/opt/officer-console" -name __pycache__ -type d -prune -exec rm -rf {} +
for command in officer-console officer-admin officer-gateway; do
    sed "s/@COMMAND@/$command/g" "$SRC/wrapper.sh" > "$ROOT/usr/bin/$command"
    chmod 0755 "$ROOT/usr/bin/$command"
done
install -m 0644 "$SRC/config.toml" "$ROOT/etc/officer-console/config.toml"
install -m 0644 "$SRC/officer-gateway.service" "$ROOT/lib/systemd/system/"
install -m 0644 "$SRC/officer-console.desktop" "$ROOT/usr/share/applications/"
install -m 0644 installer/icons/officer-console.svg "$ROOT/usr/share/icons/hicolor/scalable/apps/"
install -m 0644 installer/icons/officer-console.png "$ROOT/usr/share/icons/hicolor/256x256/apps/"
install -m 0644 "$SRC/lintian-overrides" "$ROOT/usr/share/lintian/overrides/officer-console"

for page in installer/man/*.1; do
    gzip -9n < "$page" > "$ROOT/usr/share/man/man1/$(basename "$page").gz"
done

DOC=$ROOT/usr/share/doc/officer-console
install -m 0644 "$SRC/copyright" "$DOC/copyright"
gzip -9n < docs/operations.md > "$DOC/operations.md.gz"
install -m 0644 installer/nginx/officer-gateway.conf "$DOC/examples/nginx-officer-gateway.conf"
install -m 0644 installer/postgresql/grants.sql "$DOC/examples/postgresql-grants.sql"
{
    echo "officer-console ($VERSION) stable; urgency=medium"
    echo
    echo "  * Release $VERSION (built from $(git rev-parse --short HEAD 2>/dev/null || echo 'a source tree'))."
    echo
    echo " -- Officer Console Project <officer-console@example.org>  $(date -u -R -d "@$SOURCE_DATE_EPOCH")"
} | gzip -9n > "$DOC/changelog.gz"

# Permissions as Debian expects: directories 755, data 644, programs 755, libraries 644.
find "$ROOT" -type d -exec chmod 0755 {} +
find "$ROOT/opt" "$ROOT/usr/share" -type f -exec chmod 0644 {} +
chmod 0755 "$ROOT/opt/officer-console/officer-console"
for script in postinst prerm postrm; do
    install -m 0755 "$SRC/$script" "$ROOT/DEBIAN/$script"
done
install -m 0644 "$SRC/conffiles" "$ROOT/DEBIAN/conffiles"

DEPENDS=$("$PYTHON" installer/deb_depends.py "$ROOT/opt/officer-console")
SIZE=$(du -sk --apparent-size "$ROOT" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" -e "s/@INSTALLED_SIZE@/$SIZE/" -e "s/@DEPENDS@/$DEPENDS/" \
    "$SRC/control.in" > "$ROOT/DEBIAN/control"
(cd "$ROOT" && find . -path ./DEBIAN -prune -o -type f -print | sed 's|^\./||' | LC_ALL=C sort \
    | xargs -d '\n' md5sum) > "$ROOT/DEBIAN/md5sums"
chmod 0644 "$ROOT/DEBIAN/md5sums" "$ROOT/DEBIAN/control"
find "$ROOT" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

rm -f "$OUT"
if [ "$COMPRESS" = none ]; then
    dpkg-deb --root-owner-group -Znone --build "$ROOT" "$OUT" >/dev/null
else
    dpkg-deb --root-owner-group -Z"$COMPRESS" -z"$LEVEL" --build "$ROOT" "$OUT" >/dev/null
fi
echo "build-deb: $OUT ($(du -h "$OUT" | cut -f1), $COMPRESS -$LEVEL)"
