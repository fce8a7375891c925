#!/bin/sh
# Install Debian's chromium for the browser tests (tests/test_map_browser.py).
#
# Idempotent and quiet: does nothing when /usr/bin/chromium exists, or when we
# are not root or have no apt-get (the browser tests then skip, except in CI,
# where CI=true makes a missing browser a failure). Playwright drives this
# browser; `playwright install` is never needed.
set -eu

if [ -x /usr/bin/chromium ]; then
    exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "install-chromium: /usr/bin/chromium is missing and cannot be installed here" \
        "(needs root and apt-get); the browser tests will be skipped." >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# A font with Vietnamese glyphs for the map's labels and the README screenshot.
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
if [ ! -x /usr/bin/chromium ]; then
    echo "install-chromium: apt-get finished but /usr/bin/chromium is still missing." >&2
    exit 1
fi
