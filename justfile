# The stack's manual: `just --list`. Recipes wrap Docker Compose, tox and the
# set-up scripts; every one says what it does.

set positional-arguments
set shell := ["bash", "-euo", "pipefail", "-c"]

# List the recipes
default:
    @just --list --unsorted

# Make this host able to run the stack and its tests: engine, compose/buildx plugins, base image, Chromium (--install: allow installing as root)
[group('setup')]
bootstrap *args:
    @scripts/bootstrap "$@"

# Check engine, plugins, base image, Chromium, .env and ports; print the fix for each problem (changes nothing)
[group('setup')]
doctor:
    @scripts/doctor

# Build the images, start the stack, wait until every service is healthy, print the URLs
[group('stack')]
up *args: _env
    #!/usr/bin/env bash
    set -euo pipefail
    echo "==> building images and starting the stack (waits for every healthcheck)"
    if ! docker compose up --build --wait "$@"; then
        just _diagnose
        exit 1
    fi
    just _urls

# Start the stack, then reload the API and the worker on every source edit (Compose watch): `just dev backend` for one
[group('stack')]
dev *services:
    #!/usr/bin/env bash
    set -euo pipefail
    just up
    echo "==> watching (docker compose watch; Ctrl-C stops watching, the stack keeps running):"
    echo "    backend/src, worker/src, db/src  -> copied into backend and celery_worker (/app/src), which restart"
    echo "    uv.lock, the pyproject.toml files, backend/Dockerfile -> the image is rebuilt and they are recreated"
    status=0
    docker compose watch --no-up "$@" || status=$?
    if ((status == 130)); then
        echo "==> stopped watching; the stack is still up (just down stops it)"
        exit 0
    fi
    exit "$status"

# Stop and remove the containers; data volumes are kept (`just down -v` removes them too)
[group('stack')]
down *args:
    docker compose down "$@"

# Follow the logs of every service, or of one: `just logs backend`
[group('stack')]
logs *service:
    docker compose logs --follow --tail=200 "$@"

# Show the services and their health
[group('stack')]
ps:
    docker compose ps --all

# Restart every service, or one: `just restart celery_worker`
[group('stack')]
restart *service:
    docker compose restart "$@"
    docker compose up --wait --no-build

# Build (or rebuild) the images without starting anything
[group('stack')]
build *args: _env
    docker compose build "$@"

# Open a shell in a running service: `just shell celery_worker`
[group('stack')]
shell service="backend":
    docker compose exec "$1" bash

# psql as the superuser in the application database: `just psql -c "select 1"`
[group('db')]
psql *args:
    @docker compose exec db bash -c 'exec psql -d "$POSTGRES_DB" "$@"' psql "$@"

# redis-cli, authenticated: `just redis-cli info keyspace`
[group('db')]
redis-cli *args:
    @docker compose exec redis bash -c 'REDISCLI_AUTH="${REDIS_PASSWORD:-$(<"${REDIS_PASSWORD_FILE:-/dev/null}")}" exec redis-cli "$@"' redis-cli "$@"

# Start a simulated Swarm cluster: three Docker engines in containers, the stack deployed on them; the API on 127.0.0.1:8100 (docs/dev/cluster.md)
[group('cluster')]
cluster-up *args:
    uv run python scripts/cluster/simulation.py up "$@"

# Remove the simulated cluster: only its node containers, their volumes and networks (found by label); images are kept
[group('cluster')]
cluster-down *args:
    uv run python scripts/cluster/simulation.py down "$@"

# Run the tests: unit tests, then the infra tests against a separate stack
[group('test')]
test *args:
    uv run tox -e unit,infra "$@"

# Lint: ruff, mypy, the lock, the Compose files and the Swarm stack file
[group('test')]
lint:
    uv run tox -e lint

# Benchmark builds, start-up, /health, tasks and unit tests on a stack of its own; report in .bench/ (`--quick`, `--runs N`)
[group('test')]
bench *args:
    uv run python scripts/bench/bench.py "$@"

# Create .env from .env.example when it is missing, and record in it the host's CA bundle
# for image builds (BUILD_CA_BUNDLE), so that plain `docker compose` builds get it too
_env:
    #!/usr/bin/env bash
    set -euo pipefail
    if [[ ! -f .env ]]; then cp .env.example .env; echo "==> created .env from .env.example (local defaults)"; fi
    if grep -qE '^[[:space:]]*(export[[:space:]]+)?BUILD_CA_BUNDLE=' .env; then exit 0; fi
    bundle="$(scripts/ca-bundle)"
    if [[ "$bundle" == /dev/null ]]; then exit 0; fi
    if [[ -s .env && -n "$(tail -c1 .env)" ]]; then echo >> .env; fi
    printf '%s\n' "# This host's CA bundle for image builds (added by just: scripts/ca-bundle)" "BUILD_CA_BUNDLE=$bundle" >> .env
    echo "==> recorded BUILD_CA_BUNDLE=$bundle in .env: image builds, with just or plain docker compose, trust this host's CAs"

# Show the logs of every service that failed, exited with an error or is unhealthy
_diagnose:
    #!/usr/bin/env bash
    set -uo pipefail
    docker compose ps --all --format '{{{{.Service}} {{{{.State}} {{{{.ExitCode}} {{{{.Health}}' 2>/dev/null |
    while read -r service state code health; do
        if [[ "$health" == unhealthy || "$state" == restarting || ( "$state" == exited && "$code" != 0 ) ]]; then
            echo "==> $service is $state${health:+, $health} (exit code $code); its last log lines:"
            docker compose logs --no-log-prefix --tail=20 "$service"
        fi
    done

# Print where the published services answer
_urls:
    #!/usr/bin/env bash
    set -euo pipefail
    api="$(docker compose port backend 8000)"
    web="$(docker compose port frontend 8080)"
    echo "==> the stack is up and healthy"
    echo "    API        http://${api}  (health: http://${api}/health, docs: http://${api}/docs)"
    echo "    MCP        http://${api}/mcp/"
    echo "    frontend   http://${web}"
    echo "    logs: just logs [service]    stop: just down"
