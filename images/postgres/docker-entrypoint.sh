#!/usr/bin/env bash
# Initialises an empty data volume, then runs Postgres in the foreground.
#
# Two roles: POSTGRES_USER owns the database (db-init migrates as it), and
# POSTGRES_APP_USER, the API's and the worker's, may only read and write the
# rows of the owner's tables, with a statement_timeout of its own
# (POSTGRES_APP_STATEMENT_TIMEOUT). Reads POSTGRES_USER, POSTGRES_DB and
# POSTGRES_APP_USER, and POSTGRES_PASSWORD and POSTGRES_APP_PASSWORD or, as
# files, POSTGRES_PASSWORD_FILE and POSTGRES_APP_PASSWORD_FILE. Only the first
# start on an empty volume uses them.
set -euo pipefail

log() { printf '%s [entrypoint] %s\n' "$(date -u +%FT%TZ)" "$*" >&2; }
fail() { log "error: $*"; exit 1; }

# The value of the variable named $1, or of the file named by ${1}_FILE.
read_secret() {
    local name="$1" file_variable="${1}_FILE"
    if [[ -n "${!file_variable:-}" ]]; then
        [[ -r "${!file_variable}" ]] || fail "$file_variable=${!file_variable} is not readable"
        printf -v "$name" '%s' "$(<"${!file_variable}")"
    fi
    [[ -n "${!name:-}" ]] || fail "$name (or $file_variable) is not set: set it in .env"
}

initialise() {
    : "${POSTGRES_USER:?POSTGRES_USER is not set: set it in .env}"
    : "${POSTGRES_DB:?POSTGRES_DB is not set: set it in .env}"
    : "${POSTGRES_APP_USER:?POSTGRES_APP_USER is not set: set it in .env}"
    [[ "$POSTGRES_APP_USER" != "$POSTGRES_USER" ]] ||
        fail "POSTGRES_APP_USER and POSTGRES_USER are both $POSTGRES_USER: the application needs a role of its own"
    read_secret POSTGRES_PASSWORD
    read_secret POSTGRES_APP_PASSWORD
    log "initialising an empty data directory in $PGDATA"
    # The superuser "postgres" has no password: it logs in only over the local
    # socket, as the OS user of the same name. Everyone else: scram-sha-256.
    initdb --username=postgres --encoding=UTF8 --locale=C.UTF-8 \
        --auth-local=peer --auth-host=scram-sha-256 -D "$PGDATA" >/dev/null
    printf '%s\n' "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"

    # A temporary server on the socket only: nothing can connect over TCP (and no
    # healthcheck can pass) until initialisation is complete.
    pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
    psql -v ON_ERROR_STOP=1 -q -d postgres \
        -v user="$POSTGRES_USER" -v password="$POSTGRES_PASSWORD" -v db="$POSTGRES_DB" \
        -v app_user="$POSTGRES_APP_USER" -v app_password="$POSTGRES_APP_PASSWORD" \
        -v statement_timeout="${POSTGRES_APP_STATEMENT_TIMEOUT:-30s}" <<'SQL'
CREATE ROLE :"user" LOGIN PASSWORD :'password';
CREATE DATABASE :"db" OWNER :"user";
CREATE ROLE :"app_user" LOGIN PASSWORD :'app_password';
ALTER ROLE :"app_user" SET statement_timeout = :'statement_timeout';
-- Only the two roles may connect; nobody else may create temporary tables.
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"db" TO :"app_user";
\connect :"db"
-- The application role reads and writes rows of every table the owner creates
-- (the migrations run as the owner), and may not create, alter or drop any:
-- the public schema belongs to the database's owner.
ALTER DEFAULT PRIVILEGES FOR ROLE :"user" IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app_user";
ALTER DEFAULT PRIVILEGES FOR ROLE :"user" IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO :"app_user";
SQL
    local script
    for script in /docker-entrypoint-initdb.d/*.sql; do
        [[ -e "$script" ]] || continue
        log "running $script in $POSTGRES_DB"
        psql -v ON_ERROR_STOP=1 -q -d "$POSTGRES_DB" -f "$script"
    done
    pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
    log "initialisation complete"
}

if [[ "${1:-}" == "postgres" ]]; then
    if [[ ! -s "$PGDATA/PG_VERSION" ]]; then
        initialise
    fi
    unset POSTGRES_PASSWORD POSTGRES_APP_PASSWORD
    exec postgres -D "$PGDATA" -c listen_addresses='*' "${@:2}"
fi
exec "$@"
