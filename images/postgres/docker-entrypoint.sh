#!/usr/bin/env bash
# Initialises an empty data volume, then runs Postgres in the foreground.
#
# Two roles: POSTGRES_USER owns the database (db-init migrates as it), and
# POSTGRES_APP_USER, the API's and the worker's, may only read and write the
# rows of the owner's tables, with a statement_timeout of its own
# (POSTGRES_APP_STATEMENT_TIMEOUT). Reads POSTGRES_USER, POSTGRES_DB and
# POSTGRES_APP_USER, and POSTGRES_PASSWORD and POSTGRES_APP_PASSWORD or, as
# files, POSTGRES_PASSWORD_FILE and POSTGRES_APP_PASSWORD_FILE. Only the first
# start on an empty volume uses them, and the first start on a volume made
# before the application role existed, which adds it (upgrade).
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

# Set by the first start on a volume, and by the upgrade of a volume made
# before the application role existed (add_application_role).
ROLES_DONE="$PGDATA/stack-application-role"

check_roles() {
    : "${POSTGRES_USER:?POSTGRES_USER is not set: set it in .env}"
    : "${POSTGRES_DB:?POSTGRES_DB is not set: set it in .env}"
    : "${POSTGRES_APP_USER:?POSTGRES_APP_USER is not set: set it in .env}"
    [[ "$POSTGRES_APP_USER" != "$POSTGRES_USER" ]] ||
        fail "POSTGRES_APP_USER and POSTGRES_USER are both $POSTGRES_USER: the application needs a role of its own"
}

# A temporary server on the socket only: nothing can connect over TCP (and no
# healthcheck can pass) until the set-up is complete.
start_private() { pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null; }
stop_private() { pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null; }

# The application role, which may only read and write the rows of the owner's
# tables, with a statement_timeout of its own. Idempotent: the role is created
# if missing, and the grants cover the tables the owner already has.
add_application_role() {
    psql -v ON_ERROR_STOP=1 -q -d postgres \
        -v user="$POSTGRES_USER" -v db="$POSTGRES_DB" \
        -v app_user="$POSTGRES_APP_USER" -v app_password="$POSTGRES_APP_PASSWORD" \
        -v statement_timeout="${POSTGRES_APP_STATEMENT_TIMEOUT:-30s}" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'app_user', :'app_password')
    WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app_user') \gexec
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
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app_user";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app_user";
SQL
    : >"$ROLES_DONE"
}

initialise() {
    check_roles
    read_secret POSTGRES_PASSWORD
    read_secret POSTGRES_APP_PASSWORD
    log "initialising an empty data directory in $PGDATA"
    # The superuser "postgres" has no password: it logs in only over the local
    # socket, as the OS user of the same name. Everyone else: scram-sha-256.
    initdb --username=postgres --encoding=UTF8 --locale=C.UTF-8 \
        --auth-local=peer --auth-host=scram-sha-256 -D "$PGDATA" >/dev/null
    printf '%s\n' "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"

    start_private
    psql -v ON_ERROR_STOP=1 -q -d postgres \
        -v user="$POSTGRES_USER" -v password="$POSTGRES_PASSWORD" -v db="$POSTGRES_DB" <<'SQL'
CREATE ROLE :"user" LOGIN PASSWORD :'password';
CREATE DATABASE :"db" OWNER :"user";
SQL
    add_application_role
    local script
    for script in /docker-entrypoint-initdb.d/*.sql; do
        [[ -e "$script" ]] || continue
        log "running $script in $POSTGRES_DB"
        psql -v ON_ERROR_STOP=1 -q -d "$POSTGRES_DB" -f "$script"
    done
    stop_private
    log "initialisation complete"
}

# A volume made before the stack had an application role: add it, once.
upgrade() {
    check_roles
    read_secret POSTGRES_APP_PASSWORD
    log "adding the application role $POSTGRES_APP_USER to this volume, made before it existed"
    start_private
    add_application_role
    stop_private
    log "application role added"
}

if [[ "${1:-}" == "postgres" ]]; then
    if [[ ! -s "$PGDATA/PG_VERSION" ]]; then
        initialise
    elif [[ ! -e "$ROLES_DONE" ]]; then
        upgrade
    fi
    unset POSTGRES_PASSWORD POSTGRES_APP_PASSWORD
    exec postgres -D "$PGDATA" -c listen_addresses='*' "${@:2}"
fi
exec "$@"
