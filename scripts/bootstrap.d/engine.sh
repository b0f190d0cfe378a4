# shellcheck shell=bash disable=SC2034 # sourced: the files that source it use what it sets
# scripts/bootstrap.d/engine.sh: the docker CLI and a running Docker engine.
# Sourced by scripts/bootstrap, after lib/common.sh and lib/apt-sources.sh.
#
# A docker CLI or engine already there is used. Otherwise both come from
# Debian testing's packages, unpacked into $PREFIX (not installed: that
# would upgrade libc), and run with the host's own runc and iptables.
# Nothing else would start the engine (no systemd here, and CI starts with
# no process of ours alive): step_engine starts it in the background.

PREFIX=${STACK_DOCKER_PREFIX:-/opt/stack-docker}
ENGINE_WAIT=${STACK_ENGINE_WAIT:-60}   # seconds for dockerd to answer

# ------------------------------------------------------------- docker CLI --
step_cli() {
  if command -v docker >/dev/null; then
    STEP_NOTE="$(cli_version) at $(command -v docker)"
    return 0
  fi
  if [ ! -x "$PREFIX/usr/bin/docker" ]; then
    host_is_debian || fail "no docker CLI" "Install Docker (https://docs.docker.com/engine/install/), then rerun"
    need_install_permission "the docker CLI" "install Docker's CLI ('sudo apt-get install docker.io' or https://docs.docker.com/engine/install/)"
    fetch_testing_debs "$PREFIX" docker-cli
    CHANGED+=("docker CLI unpacked in $PREFIX")
  fi
  # Make it reachable for everyone, not only this script.
  is_root || fail "no docker CLI on PATH" "Rerun as root, or add $PREFIX/usr/bin to PATH"
  mkdir -p /usr/local/bin
  ln -sf "$PREFIX/usr/bin/docker" /usr/local/bin/docker
  hash -r
  CHANGED+=("linked /usr/local/bin/docker")
  STEP_NOTE="$(cli_version) at /usr/local/bin/docker"
}

# ---------------------------------------------------------- docker engine --
# Path of an installed dockerd: on PATH first, then our own prefix.
find_dockerd() {
  if command -v dockerd 2>/dev/null; then return 0; fi
  if [ -x "$PREFIX/usr/sbin/dockerd" ] && [ -e "$PREFIX/.engine-ok" ]; then
    echo "$PREFIX/usr/sbin/dockerd"; return 0
  fi
  return 1
}

# Unpack Debian testing's engine (dockerd, docker-proxy, containerd, its
# shim, docker-init) into $PREFIX. The host's runc is used: testing's runc
# needs a newer glibc than Debian 12 has.
install_engine() {
  host_is_debian || fail "no Docker engine, and this is not a Debian host" "Install Docker Engine 25+ (https://docs.docker.com/engine/install/), then rerun"
  need_install_permission "a Docker engine" "'sudo apt-get install docker.io' (Debian 12's is Engine 20.10: no healthcheck start_interval), or Docker's own packages (https://docs.docker.com/engine/install/debian/)"
  rm -f "$PREFIX/.engine-ok"
  fetch_testing_debs "$PREFIX" docker.io containerd tini-static
  # A binary that needs a newer glibc fails here, with a clear message,
  # rather than later inside dockerd.
  run "$PREFIX/usr/sbin/dockerd" --version \
    || fail "Debian $TESTING_SUITE's dockerd does not run on this host (glibc too old?)" "Install Docker per https://docs.docker.com/engine/install/ instead" "$BOOTSTRAP_LOG"
  run "$PREFIX/usr/bin/containerd" --version \
    || fail "Debian $TESTING_SUITE's containerd does not run on this host" "Install Docker per https://docs.docker.com/engine/install/ instead" "$BOOTSTRAP_LOG"
  touch "$PREFIX/.engine-ok"
  CHANGED+=("engine unpacked in $PREFIX")
}

# Start dockerd in the background (nothing else would: no systemd here, and
# CI starts with no process of ours alive) and wait until it answers.
start_engine() {
  local dockerd=$1 dir pid waited=0
  is_root || fail "the Docker engine is installed but not running" "Start it as root: 'sudo scripts/bootstrap' (or 'sudo systemctl start docker')"
  # Runtime helpers dockerd finds through PATH: containerd, the shim,
  # docker-proxy, docker-init from its own dir / our prefix, runc from the host.
  dir=$(dirname "$dockerd")
  local path="$dir:$PREFIX/usr/sbin:$PREFIX/usr/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
  if pid=$(pidof -s dockerd); then
    echo "dockerd already running as pid $pid; waiting for it" >>"$BOOTSTRAP_LOG"
  else
    # No dockerd is alive (pidof skips zombies), so a pid file left by a
    # killed one is stale; dockerd refuses to start while its pid exists.
    rm -f /var/run/docker.pid
    # Likewise its managed containerd's: dockerd would wait 10 s for a dying one.
    pidof -s containerd >/dev/null || rm -f /var/run/docker/containerd/containerd.pid
    mkdir -p "$(dirname "$DOCKERD_LOG")"
    echo "---- $(date -Is) starting $dockerd" >>"$DOCKERD_LOG"
    # 9>&-: the daemon must not inherit (and hold forever) our lock.
    setsid env PATH="$path" "$dockerd" </dev/null >>"$DOCKERD_LOG" 2>&1 9>&- &
    pid=$!
  fi
  while ! engine_answers; do
    if ! kill -0 "$pid" 2>/dev/null; then
      fail "dockerd exited during start-up" "See $DOCKERD_LOG (last lines below), fix the cause, rerun scripts/bootstrap" "$DOCKERD_LOG"
    fi
    if [ "$waited" -ge $(( ENGINE_WAIT * 2 )) ]; then
      fail "dockerd (pid $pid) did not answer within ${ENGINE_WAIT}s" "See $DOCKERD_LOG; rerun with STACK_ENGINE_WAIT=120 if the host is just slow" "$DOCKERD_LOG"
    fi
    sleep 0.5
    waited=$(( waited + 1 ))
  done
  CHANGED+=("started dockerd (pid $pid, log $DOCKERD_LOG)")
}

step_engine() {
  local dockerd how
  if engine_answers; then
    how="already running"
  elif ! is_root && [ -S /var/run/docker.sock ] && [ ! -w /var/run/docker.sock ]; then
    fail "the engine's socket /var/run/docker.sock is not writable for $(id -un)" \
      "Run as root (sudo), or give your user the socket's group (e.g. 'sudo usermod -aG docker $(id -un)', then log in again)"
  else
    if ! dockerd=$(find_dockerd); then
      install_engine
      dockerd=$(find_dockerd)
    fi
    # Our prefix's engine runs with the host's runc and iptables.
    if [ "$dockerd" = "$PREFIX/usr/sbin/dockerd" ]; then ensure_host_packages runc iptables; fi
    start_engine "$dockerd"
    how="started $dockerd, log $DOCKERD_LOG"
  fi
  local v; v=$(engine_version)
  STEP_NOTE="Engine $v, $how"
  if ! version_ge "$(first_version "$v")" "$MIN_ENGINE"; then
    STEP_NOTE+=" (WARNING: Engine < $MIN_ENGINE ignores healthcheck start_interval)"
  fi
}

