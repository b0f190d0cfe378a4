# shellcheck shell=bash disable=SC2034 # sourced: the files that source it use what it sets
# scripts/lib/apt-sources.sh: Debian packages for the bootstrap, always from
# the mirror this host's apt configuration names (never a hard-coded one).
# Sourced after lib/common.sh.
#
#   - detect_host_mirrors: the host's Debian mirror (and security mirror),
#     from deb822 (*.sources) and one-line (sources.list, *.list) files;
#   - ensure_host_packages: install packages of the host's own suite;
#   - fetch_testing_debs: download packages of Debian testing from the same
#     mirror and unpack them (not install them: that would upgrade libc),
#     with a private apt state, so the host's apt setup stays untouched.

# Debian testing's codename: pinned (not "testing") so that the day testing
# moves on, we keep getting packages built against the same glibc range.
TESTING_SUITE=${STACK_DOCKER_SUITE:-forky}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
export DEBIAN_FRONTEND=noninteractive

APT_UPDATED=0       # host apt-get update done in this run
TESTING_APT=()      # apt-get options for the private testing apt state
HOST_MIRROR=""      # host's main Debian mirror URI
HOST_SECURITY_MIRROR=""

# ------------------------------------------------------- host apt sources --
# Print "URI SUITE" for every enabled "deb" source of the host, from deb822
# (*.sources) and one-line (sources.list, *.list) files.
list_host_sources() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -r "$f" ] || continue
    awk '
      function flush(   n, m, i, j, U, S) {
        if (types ~ /(^|[ \t])deb([ \t]|$)/ && tolower(enabled) !~ /^no/) {
          n = split(uris, U, /[ \t]+/); m = split(suites, S, /[ \t]+/)
          for (i = 1; i <= n; i++) for (j = 1; j <= m; j++) if (U[i] != "" && S[j] != "") print U[i], S[j]
        }
        types = uris = suites = key = ""; enabled = "yes"
      }
      BEGIN { enabled = "yes" }
      /^[ \t]*#/ { next }
      /^[ \t]*$/ { flush(); next }
      /^[ \t]/ { v = $0; sub(/^[ \t]+/, "", v)
                 if (key == "uris") uris = uris " " v; else if (key == "suites") suites = suites " " v
                 else if (key == "types") types = types " " v; next }
      { key = tolower($0); sub(/:.*/, "", key); v = $0; sub(/^[^:]*:[ \t]*/, "", v)
        if (key == "types") types = v; else if (key == "uris") uris = v
        else if (key == "suites") suites = v; else if (key == "enabled") enabled = v }
      END { flush() }' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -r "$f" ] || continue
    awk '$1 == "deb" { i = 2; if ($i ~ /^\[/) { while (i < NF && $i !~ /\]$/) i++; i++ } print $i, $(i + 1) }' "$f"
  done
}

# "mirror+file:/etc/apt/mirrors/x.list" (cloud images) -> its first URI.
resolve_mirror_uri() {
  local uri=${1%/}
  case "$uri" in
    mirror+file:*)
      uri=$(grep -m1 -oE '^[a-z]+://[^[:space:]]+' "${uri#mirror+file:}" 2>/dev/null || true)
      uri=${uri%/} ;;
  esac
  case "$uri" in http://* | https://*) echo "$uri" ;; esac
}

# Sets HOST_MIRROR (needed) and HOST_SECURITY_MIRROR (if derivable).
detect_host_mirrors() {
  [ -z "$HOST_MIRROR" ] || return 0
  local codename uri suite
  codename=$(host_codename)
  [ -n "$codename" ] || fail "cannot tell this host's Debian codename from /etc/os-release" "Install Docker by hand (https://docs.docker.com/engine/install/), then rerun"
  while read -r uri suite; do
    uri=$(resolve_mirror_uri "$uri")
    [ -n "$uri" ] || continue
    case "$suite" in
      "$codename") [ -n "$HOST_MIRROR" ] || HOST_MIRROR=$uri ;;
      "$codename-security" | "$codename/updates") [ -n "$HOST_SECURITY_MIRROR" ] || HOST_SECURITY_MIRROR=$uri ;;
    esac
  done < <(list_host_sources)
  [ -n "$HOST_MIRROR" ] || fail "found no http(s) Debian mirror for '$codename' in /etc/apt/sources.list{,.d/}" "Configure apt with a Debian mirror, or install Docker by hand (https://docs.docker.com/engine/install/)"
  echo "host mirror: $HOST_MIRROR security: ${HOST_SECURITY_MIRROR:-none}" >>"$BOOTSTRAP_LOG"
}

# ------------------------------------------------------ host apt packages --
# Install host packages (from the host's own suite) that are not installed.
ensure_host_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
  done
  [ "${#missing[@]}" -gt 0 ] || return 0
  need_install_permission "host package(s) ${missing[*]}" "'sudo apt-get install ${missing[*]}'"
  if [ "$APT_UPDATED" -eq 0 ]; then run apt-get update -q; APT_UPDATED=1; fi
  run apt-get install -y -q --no-install-recommends "${missing[@]}"
  CHANGED+=("apt-get install ${missing[*]}")
}

# -------------------------------------------- Debian testing, unpacked --
# A private apt state for Debian testing, built from the host's mirror, so
# that the host's own apt configuration and package lists stay untouched.
testing_apt_init() {
  [ "${#TESTING_APT[@]}" -eq 0 ] || return 0
  detect_host_mirrors
  local d signed=""
  make_scratch
  d="$WORKDIR/apt-testing"
  mkdir -p "$d/lists/partial" "$d/cache/archives/partial"
  [ -r "$KEYRING" ] && signed="[signed-by=$KEYRING] "
  echo "deb ${signed}$HOST_MIRROR $TESTING_SUITE main" >"$d/sources.list"
  TESTING_APT=(
    -o "Dir::State::Lists=$d/lists"
    -o "Dir::Etc::SourceList=$d/sources.list"
    -o Dir::Etc::SourceParts=/dev/null
    -o Dir::Etc::PreferencesParts=/dev/null
    -o "Dir::Cache=$d/cache"
    -o Dir::State::status=/dev/null
    -o APT::Sandbox::User=root
  )
  run apt-get "${TESTING_APT[@]}" update -q
}

# Download PKG... from testing and unpack each into DEST; records versions.
fetch_testing_debs() {
  local dest=$1; shift
  testing_apt_init
  local dl deb
  make_scratch
  dl="$WORKDIR/debs"
  mkdir -p "$dl" "$dest"
  (cd "$dl" && run apt-get "${TESTING_APT[@]}" download "$@")
  for deb in "$dl"/*.deb; do
    run dpkg-deb -x "$deb" "$dest"
    dpkg-deb -f "$deb" Package Version | paste -sd' ' >>"$dest/.debian-testing-packages"
  done
  rm -f "$dl"/*.deb
}
