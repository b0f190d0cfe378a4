#!/usr/bin/env bash
# Healthy only when the application role can log in over TCP and run a query:
# a stricter test than pg_isready, which answers before authentication works.
set -euo pipefail
if [[ -n "${POSTGRES_PASSWORD_FILE:-}" ]]; then
    PGPASSWORD="$(<"$POSTGRES_PASSWORD_FILE")"
else
    PGPASSWORD="${POSTGRES_PASSWORD:?}"
fi
export PGPASSWORD
exec psql --no-psqlrc -h 127.0.0.1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -tAq -c 'SELECT 1' >/dev/null
