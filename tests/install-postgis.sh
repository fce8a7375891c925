#!/bin/sh
# Install PostgreSQL and PostGIS from Debian/Ubuntu for the PostGIS store tests
# (tests/test_postgis.py): the tests start their own server on loopback in a
# temporary folder (initdb, pg_ctl) and stop it afterwards; nothing here
# starts a service.
#
# Idempotent and quiet: installs nothing that is already there, and nothing
# when we are not root or have no apt-get (the PostGIS tests then skip, except
# in CI, where CI=true makes a missing server a failure).
set -eu

have_server() {
    for bin in /usr/lib/postgresql/*/bin/initdb; do
        [ -x "$bin" ] || continue
        version=$(basename "$(dirname "$(dirname "$bin")")")
        [ -f "/usr/share/postgresql/$version/extension/postgis.control" ] && return 0
    done
    return 1
}

if have_server; then
    exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "install-postgis: PostgreSQL with PostGIS is missing (cannot install it here:" \
        "needs root and apt-get). Without it the PostGIS tests are skipped." >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends postgresql postgis >/dev/null
# The extension itself is in postgresql-MAJOR-postgis-3, for the server just installed.
for bin in /usr/lib/postgresql/*/bin/initdb; do
    version=$(basename "$(dirname "$(dirname "$bin")")")
    apt-get install -y -qq --no-install-recommends "postgresql-$version-postgis-3" >/dev/null
done
if ! have_server; then
    echo "install-postgis: apt-get finished but no PostgreSQL with the PostGIS extension." >&2
    exit 1
fi
