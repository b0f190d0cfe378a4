#!/usr/bin/env bash
# Starts redis-server with a password (REDIS_PASSWORD or REDIS_PASSWORD_FILE), the
# append-only file on, and a memory limit (REDIS_MAXMEMORY) past which it refuses
# writes instead of evicting keys: a queued task is never dropped to make room.
# The password goes into a config file readable only by this user, not onto the
# command line where `ps` would show it.
set -euo pipefail

if [[ "${1:-}" != "redis-server" ]]; then
    exec "$@"
fi
if [[ -n "${REDIS_PASSWORD_FILE:-}" ]]; then
    REDIS_PASSWORD="$(<"$REDIS_PASSWORD_FILE")"
fi
if [[ -z "${REDIS_PASSWORD:-}" ]]; then
    echo "error: REDIS_PASSWORD (or REDIS_PASSWORD_FILE) is not set: set it in .env" >&2
    exit 1
fi
config="$(mktemp /tmp/redis.XXXXXX.conf)"
chmod 0600 "$config"
cat > "$config" <<CONF
bind * -::*
protected-mode no
port 6379
dir /data
appendonly yes
appendfsync everysec
requirepass ${REDIS_PASSWORD//$'\n'/}
maxmemory ${REDIS_MAXMEMORY:-128mb}
maxmemory-policy noeviction
CONF
unset REDIS_PASSWORD
exec redis-server "$config" "${@:2}"
