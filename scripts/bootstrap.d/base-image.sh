# shellcheck shell=bash disable=SC2034 # sourced: the files that source it use what it sets
# scripts/bootstrap.d/base-image.sh: the base image every Dockerfile starts
# FROM. Sourced by scripts/bootstrap, after lib/common.sh and
# lib/apt-sources.sh.
#
# Present: kept. Missing: pulled when a registry answers; otherwise built
# with debootstrap --variant=minbase from the host's Debian mirror, made to
# look like the registry's slim image, and docker-imported.

BASE_IMAGE=$DEFAULT_BASE_IMAGE
BASE_SUITE=trixie
PULL_TIMEOUT=${STACK_PULL_TIMEOUT:-60} # seconds for docker pull of the base

base_present() { docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; }

# Files debuerreotype puts in the registry's Debian images, so that layers
# built on our base stay as lean as on the real one.
write_image_apt_config() {
  local root=$1
  local clean='"rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true";'
  cat >"$root/etc/apt/apt.conf.d/docker-clean" <<EOF
# As in the registry's Debian images: package installs happen in "docker
# build" steps, so APT's caches would only bloat each layer. This is
# effectively "apt-get clean" after every install and update.
DPkg::Post-Invoke { $clean };
APT::Update::Post-Invoke { $clean };

Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  cat >"$root/etc/apt/apt.conf.d/docker-gzip-indexes" <<'EOF'
# Keep the lists compressed on disk: "apt-get update" layers stay small.
Acquire::GzipIndexes "true";
EOF
  cat >"$root/etc/apt/apt.conf.d/docker-no-languages" <<'EOF'
# No translation files: faster "apt-get update", smaller layers.
Acquire::Languages "none";
EOF
  cat >"$root/etc/apt/apt.conf.d/docker-autoremove-suggests" <<'EOF'
# Let "apt-get purge --auto-remove" also remove packages only Suggested.
Apt::AutoRemove::SuggestsImportant "false";
EOF
  cat >"$root/etc/dpkg/dpkg.cfg.d/docker-apt-speedup" <<'EOF'
# A build either finishes or is thrown away: no need for dpkg to fsync.
force-unsafe-io
EOF
  # Services must not start while a package installs in a build.
  printf '#!/bin/sh\n# No service starts during "apt-get install" in a container build.\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 0755 "$root/usr/sbin/policy-rc.d"
  chmod 0644 "$root"/etc/apt/apt.conf.d/docker-* "$root/etc/dpkg/dpkg.cfg.d/docker-apt-speedup"
}

# The slim variant: dpkg never unpacks docs, man pages and locales, and what
# debootstrap already unpacked of them is removed.
slimify() {
  local root=$1
  cat >"$root/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
# This is the "slim" variant of the Debian base image.
# Many files which are normally unnecessary in containers are excluded,
# and this configuration file keeps them that way.
path-exclude /usr/share/doc/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/overrides/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/man/*
path-exclude /usr/share/doc/kde/HTML/*/*
path-exclude /usr/share/gnome/help/*/*
path-exclude /usr/share/omf/*/*-*.emf

path-include /usr/share/doc/*/copyright
path-include /usr/share/doc/kde/HTML/C/*
path-include /usr/share/gnome/help/*/C/*
path-include /usr/share/locale/all_languages
path-include /usr/share/locale/currency/*
path-include /usr/share/locale/l10n/*
path-include /usr/share/locale/languages
path-include /usr/share/locale/locale.alias
path-include /usr/share/omf/*/*-C.emf
EOF
  chmod 0644 "$root/etc/dpkg/dpkg.cfg.d/docker"
  local d
  for d in doc info linda lintian/overrides locale man; do
    [ -d "$root/usr/share/$d" ] || continue
    find "$root/usr/share/$d" -mindepth 1 -depth -not -type d \
      -not -path "$root/usr/share/doc/*/copyright" \
      -not -path "$root/usr/share/locale/locale.alias" -delete
    find "$root/usr/share/$d" -mindepth 1 -depth -type d -empty -delete
  done
}

# Sources in deb822 form, on the host's mirror: trixie, trixie-updates and,
# when the host names a security mirror, trixie-security.
write_image_sources() {
  local root=$1
  rm -f "$root/etc/apt/sources.list"
  {
    printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\nSigned-By: %s\n' \
      "$HOST_MIRROR" "$BASE_SUITE" "$BASE_SUITE" "$KEYRING"
    if [ -n "$HOST_SECURITY_MIRROR" ]; then
      printf '\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\nSigned-By: %s\n' \
        "$HOST_SECURITY_MIRROR" "$BASE_SUITE" "$KEYRING"
    fi
  } >"$root/etc/apt/sources.list.d/debian.sources"
}

# Remove what ties the tree to this host or this moment.
scrub_rootfs() {
  local root=$1
  : >"$root/etc/machine-id"
  echo localhost >"$root/etc/hostname"
  : >"$root/etc/resolv.conf" # docker mounts its own at run time
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
  mkdir -p "$root/var/lib/apt/lists/partial"
  rm -f "$root"/var/log/dpkg.log "$root"/var/log/bootstrap.log "$root"/var/log/alternatives.log \
    "$root"/var/log/apt/history.log "$root"/var/log/apt/term.log "$root"/var/cache/ldconfig/aux-cache
  rm -rf "$root"/run/mount "$root"/debootstrap
}

# debootstrap --variant=minbase from the host's mirror, made to look like the
# registry's slim image, imported with the registry image's CMD and PATH.
build_base() {
  host_is_debian || fail "$BASE_IMAGE is missing and cannot be pulled" "Build or load it by hand (debootstrap is Debian-only), then rerun"
  is_root || fail "$BASE_IMAGE is missing and cannot be pulled" "Rerun as root to build it with debootstrap: 'sudo scripts/bootstrap --install'"
  ensure_host_packages debootstrap
  detect_host_mirrors
  make_scratch
  local root="$WORKDIR/rootfs"
  # Own mount namespace: the /proc and /sys that debootstrap mounts in the
  # target vanish with it, even if it dies half-way.
  run unshare --mount --propagation private debootstrap --variant=minbase "$BASE_SUITE" "$root" "$HOST_MIRROR" \
    || fail "debootstrap $BASE_SUITE from $HOST_MIRROR failed" "See $BOOTSTRAP_LOG (last lines below), fix the cause, rerun" "$BOOTSTRAP_LOG"
  write_image_apt_config "$root"
  slimify "$root"
  write_image_sources "$root"
  scrub_rootfs "$root"
  tar -C "$root" --numeric-owner --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -cf - . \
    | run docker import \
      --change 'CMD ["bash"]' \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --message "debootstrap --variant=minbase $BASE_SUITE (scripts/bootstrap)" \
      - "$BASE_IMAGE"
  rm -rf "$root"
  CHANGED+=("built $BASE_IMAGE with debootstrap")
}

step_base_image() {
  local how="present"
  if ! base_present; then
    # A host that reaches a registry gets the real image.
    if run timeout "$PULL_TIMEOUT" docker pull -q "$BASE_IMAGE"; then
      how="pulled"
      CHANGED+=("pulled $BASE_IMAGE")
    else
      build_base
      how="built with debootstrap"
    fi
  fi
  local size
  size=$(docker image inspect -f '{{.Size}}' "$BASE_IMAGE")
  STEP_NOTE="$BASE_IMAGE $how ($(( size / 1000000 )) MB)"
}

