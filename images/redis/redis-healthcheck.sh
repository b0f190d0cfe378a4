#!/usr/bin/env bash
# Healthy when Redis answers PING to a client that authenticates.
set -euo pipefail
if [[ -n "${REDIS_PASSWORD_FILE:-}" ]]; then
    REDISCLI_AUTH="$(<"$REDIS_PASSWORD_FILE")"
else
    REDISCLI_AUTH="${REDIS_PASSWORD:?}"
fi
export REDISCLI_AUTH
[[ "$(redis-cli -h 127.0.0.1 ping)" == "PONG" ]]
