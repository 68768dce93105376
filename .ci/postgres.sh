#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster on 127.0.0.1 for the tests, as an
# unprivileged user, and prints its URL (postgres://postgres@127.0.0.1:PORT/postgres).
# Installs PostgreSQL from Debian's packages when it is missing.
# Usage: eval "$(.ci/postgres.sh)"   (exports VEILLE_TEST_POSTGRES_URL)
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends postgresql >/dev/null 2>&1 \
        || { apt-get update >/dev/null 2>&1 && apt-get install -y --no-install-recommends postgresql >/dev/null; }
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi
user=postgres
id "$user" >/dev/null 2>&1 || useradd --system --no-create-home "$user"
# A free port on loopback, so a server already running is left alone.
port=${VEILLE_PG_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
data=$(mktemp -d /tmp/veille-pg.XXXXXX)
chown "$user" "$data"
as_user() { if [ "$(id -u)" = 0 ]; then runuser -u "$user" -- "$@"; else "$@"; fi; }
# Databases compare text in a language's order (ICU en-US), as on most
# servers (en_US.UTF-8), not in byte order: the schema's byte-order ("C")
# columns meet the default collation in the tests as they do there.
as_user "$bin/initdb" -D "$data/db" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
    --locale-provider=icu --icu-locale=en-US >/dev/null
as_user "$bin/pg_ctl" -D "$data/db" -l "$data/log" -w \
    -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
echo "export VEILLE_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:$port/postgres"
