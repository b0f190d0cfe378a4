#!/usr/bin/env bash
# Initialises an empty data volume, then runs Postgres in the foreground.
#
# Reads POSTGRES_USER and POSTGRES_DB, and POSTGRES_PASSWORD or, as a file,
# POSTGRES_PASSWORD_FILE. Only the first start on an empty volume uses them.
set -euo pipefail

log() { printf '%s [entrypoint] %s\n' "$(date -u +%FT%TZ)" "$*" >&2; }
fail() { log "error: $*"; exit 1; }

read_password() {
    if [[ -n "${POSTGRES_PASSWORD_FILE:-}" ]]; then
        [[ -r "$POSTGRES_PASSWORD_FILE" ]] || fail "POSTGRES_PASSWORD_FILE=$POSTGRES_PASSWORD_FILE is not readable"
        POSTGRES_PASSWORD="$(<"$POSTGRES_PASSWORD_FILE")"
    fi
    [[ -n "${POSTGRES_PASSWORD:-}" ]] || fail "POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE) is not set: set it in .env"
}

initialise() {
    : "${POSTGRES_USER:?POSTGRES_USER is not set: set it in .env}"
    : "${POSTGRES_DB:?POSTGRES_DB is not set: set it in .env}"
    read_password
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
        -v user="$POSTGRES_USER" -v password="$POSTGRES_PASSWORD" -v db="$POSTGRES_DB" <<'SQL'
CREATE ROLE :"user" LOGIN PASSWORD :'password';
CREATE DATABASE :"db" OWNER :"user";
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
    unset POSTGRES_PASSWORD
    exec postgres -D "$PGDATA" -c listen_addresses='*' "${@:2}"
fi
exec "$@"
