#!/usr/bin/env bash
# CI for the installer, as root on Debian (called by .ci/run after make test and make lint):
# build the bundle and the .deb (fast compression), lintian, install it with apt-get, run the
# installed commands (version, self-test, migrate/check on a fresh SQLite database, the GUI
# offscreen until ready, the gateway unit's command + /api/v1/health), upgrade over itself,
# purge, check that only evidence is left; compile the Windows installer with a stub payload.
# Prints the figures (sizes, build time, start-up, self-test), each phase's time and its own
# run time. Independent work overlaps: the Windows installer compiles and lintian reads the
# .deb in the background while the package is installed and exercised (docs/testing.md).
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive QT_QPA_PLATFORM=offscreen
START=$(date +%s)
PHASES=()  # "seconds name" of every finished phase, printed at the end
PHASE_NAME="" PHASE_START=$START
step() {  # step NAME: ends the current phase, starts the next
    local now
    now=$(date +%s)
    [ -n "$PHASE_NAME" ] && PHASES+=("$((now - PHASE_START)) s  $PHASE_NAME")
    PHASE_NAME=$* PHASE_START=$now
    echo "== installer: $* (+$((now - START)) s)"
}
fail() { echo "installer CI FAILED: $*" >&2; exit 1; }

if [ "$(id -u)" != 0 ]; then
    echo "installer/ci-test.sh must run as root (it installs and purges the package)" >&2
    exit 2
fi

# Packaging tools only: not in scripts/setup.sh (the program and its tests do not need them).
PACKAGING=(lintian nsis chrpath pulseaudio pulseaudio-utils xvfb xauth)
missing=()
for pkg in "${PACKAGING[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    step "installing packaging tools: ${missing[*]}"
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

VERSION=$(.venv/bin/python -c 'import officer_console; print(officer_console.__version__)')
DEB=dist/officer-console_${VERSION}_amd64.deb
WORK=$(mktemp -d /tmp/oc-installer-ci.XXXXXX)
GATEWAY_PID=""
PULSE_PID=""
STUB_PID=""
LINTIAN_PID=""
cleanup() {
    [ -n "$GATEWAY_PID" ] && kill "$GATEWAY_PID" 2>/dev/null || true
    [ -n "$PULSE_PID" ] && kill "$PULSE_PID" 2>/dev/null || true
    [ -n "$STUB_PID" ] && kill "$STUB_PID" 2>/dev/null || true
    [ -n "$LINTIAN_PID" ] && kill "$LINTIAN_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

# A previous aborted run must not disturb this one.
if dpkg-query -W -f='${Status}' officer-console 2>/dev/null | grep -q "ok"; then
    apt-get purge -y -qq officer-console >/dev/null
fi

# The Windows installer script needs nothing from the Linux build: compiled meanwhile.
STUB_START=$(date +%s)
(
    status=0
    installer/windows/build-stub.sh > "$WORK/windows-stub.txt" 2>&1 || status=$?
    echo "$(($(date +%s) - STUB_START))" > "$WORK/windows-stub.seconds"
    exit "$status"
) &
STUB_PID=$!

BUILD_SECONDS=skipped LINTIAN_SECONDS=skipped
if [ "${INSTALLER_CI_REUSE_DEB:-0}" = 1 ] && [ -f "$DEB" ]; then  # local re-runs only
    step "reusing $DEB (INSTALLER_CI_REUSE_DEB=1: no build, no lintian)"
else
    step "make package (DEB_COMPRESS=gzip)"
    BUILD_START=$(date +%s)
    make package DEB_COMPRESS=gzip
    BUILD_SECONDS=$(($(date +%s) - BUILD_START))
    [ -f "$DEB" ] || fail "$DEB was not built"

    # lintian only reads the .deb: it runs while the package is installed and exercised;
    # its verdict is checked at the end.
    LINTIAN_START=$(date +%s)
    (
        status=0
        lintian --fail-on error --tag-display-limit 0 "$DEB" > "$WORK/lintian.txt" 2>&1 || status=$?
        echo "$(($(date +%s) - LINTIAN_START))" > "$WORK/lintian.seconds"
        exit "$status"
    ) &
    LINTIAN_PID=$!
fi

step "apt-get install ./$DEB"
apt-get install -y -qq "./$DEB" >/dev/null
for command in officer-console officer-admin officer-gateway; do
    [ "$(command -v "$command")" = "/usr/bin/$command" ] || fail "$command not on PATH"
    [ "$("$command" --version)" = "$command $VERSION" ] || fail "$command --version"
done
getent passwd officer-console >/dev/null || fail "system user officer-console missing"
[ -f /usr/share/applications/officer-console.desktop ] || fail "desktop entry missing"
grep -q "^Name\[zh_CN\]=" /usr/share/applications/officer-console.desktop || fail "no Chinese name"
if systemctl is-enabled officer-gateway.service >/dev/null 2>&1; then
    fail "officer-gateway.service must stay disabled until IT enables it"
fi

step "officer-console --selftest (with a private PulseAudio server)"
mkdir -m 0700 "$WORK/pulse"
if HOME="$WORK/pulse" XDG_RUNTIME_DIR="$WORK/pulse" pulseaudio --daemonize=yes -n \
    --exit-idle-time=-1 --use-pid-file=yes --load=module-native-protocol-unix \
    --load="module-null-sink sink_name=spk" \
    --load="module-virtual-source source_name=mic master=spk.monitor" 2>/dev/null; then
    PULSE_PID=$(cat "$WORK/pulse/pulse/pid" 2>/dev/null || true)
    export PULSE_SERVER="unix:$WORK/pulse/pulse/native"
fi
SELFTEST_START=$EPOCHREALTIME
officer-console --selftest | tee "$WORK/selftest.txt" || fail "officer-console --selftest"
SELFTEST_SECONDS=$(awk "BEGIN { print $EPOCHREALTIME - $SELFTEST_START }")
grep -q "通过 PASSED" "$WORK/selftest.txt" || fail "self-test verdict"

step "officer-admin migrate / check on a fresh SQLite database"
export OFFICER_CONSOLE_DATABASE_URL="sqlite:///$WORK/console.db"
export OFFICER_CONSOLE_DATA_DIR="$WORK/data"
officer-admin migrate
officer-admin check && fail "check must report the missing administrator and catalogue"
echo 'Ci@2026-Strong-pw' | officer-admin create-user --police-number admin --name 管理员 \
    --role admin --password-stdin
officer-admin import-catalogue /opt/officer-console/_internal/resources/catalogue/violations_370100.csv
officer-admin check || fail "officer-admin check"

step "installed GUI on a real X server (Xvfb, xcb platform) until ready, then SIGTERM"
cat > "$WORK/xcb.sh" <<'XCB'
#!/bin/sh
unset QT_QPA_PLATFORM
officer-console > "$1" 2>&1 &
pid=$!
for _ in $(seq 1 120); do
    grep -q "^officer-console: ready" "$1" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
done
grep -q "^officer-console: ready" "$1" || { kill "$pid" 2>/dev/null; exit 1; }
kill -TERM "$pid"
wait "$pid"
XCB
chmod +x "$WORK/xcb.sh"
xvfb-run -a -s "-screen 0 1280x800x24" "$WORK/xcb.sh" "$WORK/xcb.txt" \
    || { cat "$WORK/xcb.txt"; fail "GUI on xcb"; }

step "installed GUI offscreen until ready, then quit (figures)"
.venv/bin/python bench/package.py --installed | tee "$WORK/figures.txt"
grep -q "exit status 0" "$WORK/figures.txt" || fail "self-test in bench/package.py"
unset OFFICER_CONSOLE_DATABASE_URL OFFICER_CONSOLE_DATA_DIR

step "the gateway unit's command as its user, /api/v1/health"
UNIT=/lib/systemd/system/officer-gateway.service
EXEC=$(sed -n 's/^ExecStart=//p' "$UNIT")
USER_NAME=$(sed -n 's/^User=//p' "$UNIT")
mapfile -t UNIT_ENV < <(sed -n 's/^Environment=//p' "$UNIT")
PORT=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
STATE=/var/lib/officer-console
GW_ENV=("${UNIT_ENV[@]}" "OFFICER_CONSOLE_GATEWAY_PORT=$PORT" "HOME=$STATE")
runuser -u "$USER_NAME" -- env -i "${GW_ENV[@]}" /usr/bin/officer-admin migrate
runuser -u "$USER_NAME" -- env -i "${GW_ENV[@]}" $EXEC > "$WORK/gateway.log" 2>&1 &
GATEWAY_PID=$!
ok=""
for _ in $(seq 1 100); do
    if .venv/bin/python - "$PORT" <<'EOF' 2>/dev/null; then ok=1; break; fi
import json, sys, urllib.request
with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/api/v1/health", timeout=2) as r:
    assert r.status == 200, r.status
    print("health:", json.load(r))
EOF
    sleep 0.3
done
kill "$GATEWAY_PID" && wait "$GATEWAY_PID" || true
GATEWAY_PID=""
[ -n "$ok" ] || { cat "$WORK/gateway.log"; fail "gateway health"; }
# Evidence the service wrote: the package must never delete it.
runuser -u "$USER_NAME" -- sh -c "echo evidence > $STATE/evidence/ci-evidence.bin"

step "upgrade over itself (configuration kept)"
echo "# edited by IT (installer CI)" >> /etc/officer-console/config.toml
apt-get install -y -qq --reinstall "./$DEB" >/dev/null
grep -q "edited by IT" /etc/officer-console/config.toml || fail "upgrade replaced the configuration"
[ "$(officer-admin --version)" = "officer-admin $VERSION" ] || fail "after upgrade"
[ -f "$STATE/evidence/ci-evidence.bin" ] || fail "upgrade lost evidence"

step "purge (configuration removed, evidence kept)"
echo "OFFICER_CONSOLE_SMS_ACCESS_KEY_SECRET=x" > /etc/officer-console/gateway.env
apt-get purge -y -qq officer-console >/dev/null
for gone in /opt/officer-console /etc/officer-console /usr/bin/officer-console \
    /usr/bin/officer-admin /usr/bin/officer-gateway "$UNIT" \
    /usr/share/applications/officer-console.desktop /usr/share/doc/officer-console; do
    [ ! -e "$gone" ] || fail "$gone left after purge"
done
[ -f "$STATE/evidence/ci-evidence.bin" ] || fail "purge deleted evidence"
left=$(cd "$STATE" && find . -mindepth 1 -maxdepth 1 ! -name evidence ! -name '*.db' ! -name '*.db-wal' ! -name '*.db-shm' | sort)
[ -z "$left" ] || fail "purge left non-evidence files in $STATE: $left"
dpkg-query -W -f='${Status}' officer-console 2>/dev/null | grep -q "ok installed" && fail "still installed"
echo "left after purge (evidence and case records only):"; find "$STATE" | sort
rm -rf "$STATE"  # this CI's own test evidence

step "waiting for the Windows installer (makensis, stub payload) and lintian"
status=0
wait "$STUB_PID" || status=$?
STUB_PID=""
cat "$WORK/windows-stub.txt"
[ "$status" = 0 ] || fail "Windows installer (build-stub.sh exit $status)"
echo "Windows installer: $(cat "$WORK/windows-stub.seconds" 2>/dev/null || echo "?") s (in the background)"
if [ -n "$LINTIAN_PID" ]; then
    status=0
    wait "$LINTIAN_PID" || status=$?
    LINTIAN_PID=""
    cat "$WORK/lintian.txt"
    LINTIAN_SECONDS=$(cat "$WORK/lintian.seconds" 2>/dev/null || echo "?")
    [ "$status" = 0 ] || fail "lintian (exit $status)"
    grep -q "^E:" "$WORK/lintian.txt" && fail "lintian reported errors"
fi
step "done"

echo "== installer figures"
echo "version: $VERSION"
echo "build (bundle + .deb, gzip -1): ${BUILD_SECONDS} s; lintian: ${LINTIAN_SECONDS} s (in the background)"
echo "bundle: $(du -sm --apparent-size build/bundle/officer-console | cut -f1) MB; deb: $(du -m --apparent-size "$DEB" | cut -f1) MB"
cat "$WORK/figures.txt"
printf 'self-test (installed, wall): %.2f s\n' "$SELFTEST_SECONDS"
echo "== installer phases (wall time)"
printf '  %s\n' "${PHASES[@]}"
echo "installer CI: passed in $(($(date +%s) - START)) s"
