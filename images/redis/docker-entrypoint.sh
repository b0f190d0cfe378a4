#!/usr/bin/env bash
# Starts redis-server with a user per client (ACL: the operator's, the API's,
# the worker's, the healthcheck's; no default user), the append-only file on,
# and a memory limit (REDIS_MAXMEMORY) past which it refuses writes instead of
# evicting keys: a queued task is never dropped to make room. Passwords come
# from REDIS_PASSWORD, REDIS_API_PASSWORD and REDIS_WORKER_PASSWORD, or the
# files their *_FILE variables name; they go into a config file readable only
# by this user, not onto the command line where `ps` would show it.
set -euo pipefail

# A user's permissions: /etc/redis/acl/<user>.acl, one rule per line, comments
# allowed; found by running the stack's tests with the user refused everything
# else (ACL LOG names what was refused).
acl_of() {
    grep -v '^[[:space:]]*\(#\|$\)' "/etc/redis/acl/$1.acl" | tr '\n' ' '
}

if [[ "${1:-}" != "redis-server" ]]; then
    exec "$@"
fi
# The value of the variable named $1, or of the file named by ${1}_FILE; one line.
read_secret() {
    local name="$1" file_variable="${1}_FILE"
    if [[ -n "${!file_variable:-}" ]]; then
        printf -v "$name" '%s' "$(<"${!file_variable}")"
    fi
    if [[ -z "${!name:-}" ]]; then
        echo "error: $name (or $file_variable) is not set: set it in .env" >&2
        exit 1
    fi
    printf -v "$name" '%s' "${!name//$'\n'/}"
}
read_secret REDIS_PASSWORD
read_secret REDIS_API_PASSWORD
read_secret REDIS_WORKER_PASSWORD

# The healthcheck's own user may only PING; its password is made here and read
# by redis-healthcheck.sh, which runs in this container as this user.
umask 077
head -c 24 /dev/urandom | base64 | tr -d '/+=' > /tmp/healthcheck-password

config="$(mktemp /tmp/redis.XXXXXX.conf)"
cat > "$config" <<CONF
bind * -::*
protected-mode no
port 6379
dir /data
appendonly yes
appendfsync everysec
maxmemory ${REDIS_MAXMEMORY:-128mb}
maxmemory-policy noeviction
# Users (ACL). Nobody logs in without a name and a password: "default" is off,
# so a new connection must AUTH as one of the users below. It keeps every
# permission because Redis loads the append-only file's transactions as it
# (8.0 checks them at EXEC): without them it drops queued tasks at a restart.
user default off ~* &* +@all
# The operator's (just redis-cli), with REDIS_PASSWORD: everything.
user admin on >${REDIS_PASSWORD} ~* &* +@all
# The API's: publish tasks by name (kombu's queue and its binding), read their
# results, wait for one (MCP's ping_worker), count worker heartbeats (/health).
user stack-api on >${REDIS_API_PASSWORD} $(acl_of stack-api)
# The worker's: consume and acknowledge tasks (kombu's unacked bookkeeping),
# store results, answer control messages (its own healthcheck, mingle),
# heartbeats.
user stack-worker on >${REDIS_WORKER_PASSWORD} $(acl_of stack-worker)
user healthcheck on >$(</tmp/healthcheck-password) -@all +ping
CONF
unset REDIS_PASSWORD REDIS_API_PASSWORD REDIS_WORKER_PASSWORD
exec redis-server "$config" "${@:2}"
