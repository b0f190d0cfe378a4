# shellcheck shell=bash disable=SC2034 # sourced: the files that source it use what it sets
# scripts/bootstrap.d/plugins.sh: the Compose and buildx CLI plugins, at
# least MIN_COMPOSE and MIN_BUILDX (lib/common.sh). Sourced by
# scripts/bootstrap, after lib/common.sh and lib/apt-sources.sh.
#
# Plugins already there and new enough are used; otherwise Debian testing's
# are unpacked (install_plugins).

PLUGIN_DIR=/usr/local/lib/docker/cli-plugins # first dir the docker CLI searches

plugins_ok() {
  local c b
  c=$(compose_version); b=$(buildx_version)
  [ -n "$c" ] && version_ge "$c" "$MIN_COMPOSE" && [ -n "$b" ] && version_ge "$b" "$MIN_BUILDX"
}

# Debian testing's docker-compose (v2, Go) and docker-buildx, unpacked and
# their binaries copied to $PLUGIN_DIR. Never Compose v1 (Python).
install_plugins() {
  host_is_debian || fail "docker compose >= $MIN_COMPOSE / buildx >= $MIN_BUILDX missing, and this is not a Debian host" "Install them per https://docs.docker.com/compose/install/linux/"
  need_install_permission "docker compose >= $MIN_COMPOSE or docker buildx >= $MIN_BUILDX" \
    "install both as Docker CLI plugins (https://docs.docker.com/compose/install/linux/)"
  make_scratch
  local x="$WORKDIR/plugins"
  fetch_testing_debs "$x" docker-compose docker-buildx
  mkdir -p "$PLUGIN_DIR"
  install -m 0755 "$x/usr/libexec/docker/cli-plugins/docker-compose" "$x/usr/libexec/docker/cli-plugins/docker-buildx" "$PLUGIN_DIR/"
  CHANGED+=("compose and buildx plugins in $PLUGIN_DIR")
}

step_plugins() {
  plugins_ok || install_plugins
  plugins_ok || fail "docker compose $(compose_version) / buildx $(buildx_version) still missing or too old after install" "Check 'docker compose version' and 'docker buildx version'; see $BOOTSTRAP_LOG"
  STEP_NOTE="compose $(compose_version), buildx $(buildx_version)"
}

