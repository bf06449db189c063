#!/usr/bin/env bash
# The server-mode tests start their own throw-away PostgreSQL cluster (tests/servers.py) and
# need PostgreSQL's server binaries. Install them from Debian's packages when they are missing.
set -euo pipefail
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "PostgreSQL's server binaries are missing: install the 'postgresql' package" \
         "(e.g. sudo apt-get install postgresql), then run make test again." >&2
    exit 1
fi
echo "installing PostgreSQL (server-mode tests)..." >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
