# shellcheck shell=bash disable=SC2034 # sourced: the files that source it use what it sets
# scripts/bootstrap.d/base-image.sh: the base image every Dockerfile starts
# FROM. Sourced by scripts/bootstrap (and scripts/lock-debian, scripts/repro),
# after lib/common.sh and lib/apt-sources.sh.
#
# Present: kept, unless this bootstrap built it from another lock (then it
# is built again). Missing: pulled when a registry answers; otherwise built
# reproducibly (docs/dev/reproducibility.md): mmdebstrap --variant=minbase
# from the host's Debian mirror with exactly the versions of
# images/base/packages.lock, made to look like the registry's slim image,
# and docker-loaded with a fixed creation time (docker import would stamp
# the time of the import, a new image id every time).

BASE_IMAGE=${BASE_IMAGE:-$DEFAULT_BASE_IMAGE}
BASE_SUITE=trixie
PULL_TIMEOUT=${STACK_PULL_TIMEOUT:-60} # seconds for docker pull of the base
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BASE_LOCK=$REPO_ROOT/images/base/packages.lock
BASE_LOCK_NAME=images/base/packages.lock
# The label that marks a base this script built, with the hash of its lock.
BASE_LOCK_LABEL=stack.base.debian-lock.sha256

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
# the bootstrap tool already unpacked of them is removed.
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

# Remove what ties the tree to this host or this moment. mmdebstrap, given
# SOURCE_DATE_EPOCH, already removed its logs and ldconfig's cache; apt's
# eipp log goes too, so that no image layer has to delete it (a deletion is a
# whiteout, which carries the time of the build).
scrub_rootfs() {
  local root=$1
  : >"$root/etc/machine-id"
  echo localhost >"$root/etc/hostname"
  : >"$root/etc/resolv.conf" # docker mounts its own at run time
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
  mkdir -p "$root/var/lib/apt/lists/partial"
  rm -f "$root"/var/log/dpkg.log "$root"/var/log/bootstrap.log "$root"/var/log/alternatives.log \
    "$root"/var/log/apt/history.log "$root"/var/log/apt/term.log "$root"/var/log/apt/eipp.log.xz \
    "$root"/var/cache/ldconfig/aux-cache
  rm -rf "$root"/run/mount
}

lock_hash() { sha256sum "$BASE_LOCK" | cut -d' ' -f1; }

# apt preferences that make apt choose each locked version.
write_lock_pins() {
  local out=$1 line
  : >"$out"
  while IFS= read -r line; do
    case "$line" in '' | '#'*) continue ;; esac
    printf 'Package: %s\nPin: version %s\nPin-Priority: 1001\n\n' "${line%%=*}" "${line#*=}" >>"$out"
  done <"$BASE_LOCK"
}

# mmdebstrap's customize hook: inside the new tree, before apt's lists go,
# check that it holds exactly the locked versions and that the mirror served
# them (images/build-tools/apt-install-locked --verify). The verdict goes to
# a file for build_base to show.
write_verify_hook() {
  local hook=$1 verdict=$2
  cat >"$hook" <<EOF
#!/bin/sh
set -u
cp "$REPO_ROOT/images/build-tools/apt-install-locked" "\$1/tmp/apt-install-locked"
cp "$BASE_LOCK" "\$1/tmp/packages.lock"
chroot "\$1" /tmp/apt-install-locked --verify /tmp/packages.lock $BASE_LOCK_NAME >"$verdict" 2>&1
rc=\$?
rm -f "\$1/tmp/apt-install-locked" "\$1/tmp/packages.lock" "\$1/etc/apt/preferences.d/stack-lock.pref"
exit \$rc
EOF
  chmod 0755 "$hook"
}

# The tree as one layer tar, the same bytes for the same files: sorted names,
# numeric owners, times clamped to SOURCE_DATE_EPOCH, no atime or ctime (the
# options mmdebstrap itself uses for its tarballs).
tar_rootfs() {
  local root=$1 epoch=$2 out=$3
  tar -C "$root" --sort=name --mtime="@$epoch" --clamp-mtime --numeric-owner --one-file-system \
    --format=pax --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
    --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -cf "$out" .
}

# docker load of an archive whose image config is written here: the image id
# (the config's digest) is then the same for the same layer and epoch.
load_image() {
  local layer=$1 epoch=$2 tag=$3 dir diff_id created arch
  dir=$(dirname "$layer")
  diff_id=sha256:$(sha256sum "$layer" | cut -d' ' -f1)
  created=$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)
  arch=$(dpkg --print-architecture)
  printf '{"architecture":"%s","os":"linux","created":"%s","config":{"Env":["PATH=%s"],"Cmd":["bash"],"Labels":{"%s":"%s"}},"rootfs":{"type":"layers","diff_ids":["%s"]},"history":[{"created":"%s","created_by":"mmdebstrap --variant=minbase %s (%s, scripts/bootstrap)"}]}' \
    "$arch" "$created" /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    "$BASE_LOCK_LABEL" "$(lock_hash)" "$diff_id" "$created" "$BASE_SUITE" "$BASE_LOCK_NAME" >"$dir/config.json"
  printf '[{"Config":"config.json","RepoTags":["%s"],"Layers":["%s"]}]' "$tag" "$(basename "$layer")" >"$dir/manifest.json"
  tar -C "$dir" -cf - manifest.json config.json "$(basename "$layer")" | run docker load
}

# mmdebstrap --variant=minbase from the host's mirror with the locked versions
# (with BASE_UNLOCKED=1: the mirror's current ones, and their list written to
# $WORKDIR/base-packages, for scripts/lock-debian), made to look like the
# registry's slim image, loaded as $1 (default $BASE_IMAGE).
build_base() {
  local tag=${1:-$BASE_IMAGE}
  host_is_debian || fail "$tag is missing and cannot be pulled" "Build or load it by hand (mmdebstrap is Debian's), then rerun"
  is_root || fail "$tag is missing and cannot be pulled" "Rerun as root to build it with mmdebstrap: 'sudo scripts/bootstrap --install'"
  ensure_host_packages mmdebstrap
  detect_host_mirrors
  make_scratch
  local root="$WORKDIR/rootfs" epoch signed="" verdict="$WORKDIR/lock-verdict" hooks=() sources=()
  epoch=$("$REPO_ROOT/scripts/source-date-epoch" base)
  [ -r "$KEYRING" ] && signed="[signed-by=$KEYRING] "
  sources=("deb ${signed}$HOST_MIRROR $BASE_SUITE main" "deb ${signed}$HOST_MIRROR $BASE_SUITE-updates main")
  [ -z "$HOST_SECURITY_MIRROR" ] || sources+=("deb ${signed}$HOST_SECURITY_MIRROR $BASE_SUITE-security main")
  if [ "${BASE_UNLOCKED:-0}" != 1 ]; then
    [ -s "$BASE_LOCK" ] || fail "$BASE_LOCK_NAME is missing" "Run 'just lock-debian' to write it, and commit it"
    write_lock_pins "$WORKDIR/lock.pref"
    write_verify_hook "$WORKDIR/verify-hook" "$verdict"
    hooks=(--setup-hook="mkdir -p \"\$1/etc/apt/preferences.d\" && cp $WORKDIR/lock.pref \"\$1/etc/apt/preferences.d/stack-lock.pref\""
      --customize-hook="$WORKDIR/verify-hook")
  fi
  rm -rf "$root"
  mkdir -p "$root"
  # Unpacked slim from the start (the path-excludes of slimify's dpkg
  # configuration), without translations.
  if ! SOURCE_DATE_EPOCH=$epoch run mmdebstrap --mode=root --variant=minbase --format=directory \
      --aptopt='Acquire::Languages "none"' \
      --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
      --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
      --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
      "${hooks[@]}" "$BASE_SUITE" "$root" "${sources[@]}"; then
    if [ -s "$verdict" ]; then
      fail "the base's Debian packages are not the locked ones" "$(cat "$verdict")"
    fi
    fail "mmdebstrap $BASE_SUITE from $HOST_MIRROR failed" "See $BOOTSTRAP_LOG (last lines below), fix the cause, rerun" "$BOOTSTRAP_LOG"
  fi
  rm -f "$root/etc/dpkg/dpkg.cfg.d/99mmdebstrap" "$root/etc/apt/apt.conf.d/99mmdebstrap"
  write_image_apt_config "$root"
  slimify "$root"
  write_image_sources "$root"
  scrub_rootfs "$root"
  # The mark of our base: image builds on it hold to their locks strictly
  # (images/build-tools/apt-install-locked), and it says what the base holds.
  mkdir -p "$root/usr/share/stack"
  dpkg-query --admindir="$root/var/lib/dpkg" --show --showformat='${Package}=${Version}\n' \
    | sort >"$root/usr/share/stack/base-packages.lock"
  if [ "${BASE_UNLOCKED:-0}" = 1 ]; then cp "$root/usr/share/stack/base-packages.lock" "$WORKDIR/base-packages"; fi
  tar_rootfs "$root" "$epoch" "$WORKDIR/layer.tar"
  rm -rf "$root"
  load_image "$WORKDIR/layer.tar" "$epoch" "$tag"
  rm -f "$WORKDIR/layer.tar" "$WORKDIR/config.json" "$WORKDIR/manifest.json"
  CHANGED+=("built $tag with mmdebstrap")
}

# A present base that this bootstrap built (it carries the lock label, or it
# is an older bootstrap's debootstrap import) from another lock.
base_outdated() {
  local label history
  label=$(docker image inspect -f "{{index .Config.Labels \"$BASE_LOCK_LABEL\"}}" "$BASE_IMAGE" 2>/dev/null || true)
  if [ -n "$label" ] && [ "$label" != "<no value>" ]; then
    [ "$label" != "$(lock_hash)" ]
    return
  fi
  history=$(docker image history --no-trunc --format '{{.Comment}}' "$BASE_IMAGE" 2>/dev/null || true)
  [[ "$history" == *"(scripts/bootstrap)"* ]]
}

step_base_image() {
  local how="present"
  if base_present && base_outdated; then
    build_base
    how="rebuilt with mmdebstrap from $BASE_LOCK_NAME"
  elif ! base_present; then
    # A host that reaches a registry gets the real image.
    if run timeout "$PULL_TIMEOUT" docker pull -q "$BASE_IMAGE"; then
      how="pulled"
      CHANGED+=("pulled $BASE_IMAGE")
    else
      build_base
      how="built with mmdebstrap from $BASE_LOCK_NAME"
    fi
  fi
  local size
  size=$(docker image inspect -f '{{.Size}}' "$BASE_IMAGE")
  STEP_NOTE="$BASE_IMAGE $how ($(( size / 1000000 )) MB)"
}
