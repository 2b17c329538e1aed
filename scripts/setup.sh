#!/usr/bin/env bash
# Sets up everything the project needs on a fresh Debian machine: system packages (when root),
# a virtual environment in .venv, and the package with its test extras. Idempotent and quick
# when nothing changed.
#   scripts/setup.sh         everything: running and testing (make setup, make test)
#   scripts/setup.sh --run   only what running the console needs (make run): RUN_PACKAGES and
#                            the package without test extras — no PostgreSQL server, no
#                            Chromium, no poppler
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=all
[ "${1:-}" = "--run" ] && MODE=run

# What running needs: a CJK font, Qt's X/EGL libraries (and Xvfb + xauth for a headless
# workstation), the PulseAudio client library for sound, xdg-utils for the softphone hand-off.
RUN_PACKAGES=(fonts-wqy-zenhei xvfb xauth libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libegl1 libgl1 libfontconfig1 libxkbcommon-x11-0 libdbus-1-3 libpulse0 xdg-utils)

# System packages: PostgreSQL server binaries for the test cluster, a CJK TrueType font for
# the GUI and the PDF documents, pdftoppm for looking at PDFs, Chromium as the citizen browser
# in end-to-end tests, the X/EGL libraries Qt needs (offscreen or Xvfb), and PulseAudio (QtMultimedia
# talks to it; tests run a private server with a null sink as speaker and microphone).
SYSTEM_PACKAGES=(postgresql fonts-wqy-zenhei poppler-utils qpdf zbar-tools chromium chromium-driver xvfb xauth libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libegl1 libgl1 libfontconfig1 libxkbcommon-x11-0 libdbus-1-3 libpulse0 pulseaudio pulseaudio-utils coturn)
if [ "${OFFICER_CONSOLE_SKIP_APT:-0}" != "1" ] && command -v apt-get >/dev/null 2>&1; then
    missing=()
    wanted=("${RUN_PACKAGES[@]}")
    [ "$MODE" = run ] || wanted+=("${SYSTEM_PACKAGES[@]}")
    for pkg in "${wanted[@]}" ${EXTRA_SYSTEM_PACKAGES:-}; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        if [ "$(id -u)" = "0" ]; then
            echo "setup: installing system packages: ${missing[*]}"
            export DEBIAN_FRONTEND=noninteractive
            apt-get update -qq >/dev/null
            apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
        else
            echo "setup: missing system packages (run as root or install them): ${missing[*]}" >&2
        fi
    fi
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
hash=$(sha256sum pyproject.toml | cut -c1-16)
stamp=.venv/.installed-$hash
if [ "$MODE" = run ] && [ ! -f "$stamp" ]; then  # a full install serves running too
    run_stamp=.venv/.installed-run-$hash
    if [ ! -f "$run_stamp" ]; then
        .venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
        .venv/bin/python -m pip install -q -e .
        rm -f .venv/.installed-run-*
        touch "$run_stamp"
    fi
elif [ ! -f "$stamp" ]; then
    .venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
    .venv/bin/python -m pip install -q -e ".[test]"
    rm -f .venv/.installed-*
    touch "$stamp"
fi
