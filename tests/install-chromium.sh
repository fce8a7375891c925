#!/bin/sh
# Install what the test command needs from Debian/Ubuntu before it makes its
# virtualenv: python3-venv (only when `python3 -m venv` cannot work, as on a
# fresh Debian or Ubuntu) and chromium for the browser tests
# (tests/test_map_browser.py).
#
# Idempotent and quiet: installs nothing that is already there, and nothing
# when we are not root or have no apt-get (the browser tests then skip, except
# in CI, where CI=true makes a missing browser a failure). Playwright drives
# this browser; `playwright install` is never needed.
set -eu

packages=""
if ! python3 -c "import ensurepip, venv" >/dev/null 2>&1; then
    packages="python3-venv"
fi
if [ ! -x /usr/bin/chromium ]; then
    # A font with Vietnamese glyphs for the map's labels and the README screenshot.
    packages="$packages chromium fonts-dejavu-core"
fi
if [ -z "$packages" ]; then
    exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "install-chromium: missing system packages:$packages" \
        "(cannot install them here: needs root and apt-get). Without chromium the" \
        "browser tests are skipped; without python3-venv, python3 -m venv fails." >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086 # one word per package
apt-get install -y -qq --no-install-recommends $packages >/dev/null
if [ ! -x /usr/bin/chromium ]; then
    echo "install-chromium: apt-get finished but /usr/bin/chromium is still missing." >&2
    exit 1
fi
