#!/usr/bin/env bash
# Healthy when Redis answers PING to the healthcheck's own user, which may do
# nothing else (its password is made by docker-entrypoint.sh at each start).
set -euo pipefail
REDISCLI_AUTH="$(</tmp/healthcheck-password)"
export REDISCLI_AUTH
[[ "$(redis-cli -h 127.0.0.1 --user healthcheck ping)" == "PONG" ]]
