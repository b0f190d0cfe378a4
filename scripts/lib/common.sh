# shellcheck shell=bash disable=SC2034 # sourced: the files that source it use what it sets
# scripts/lib/common.sh: what scripts/bootstrap and scripts/doctor share.
# Sourced, never run; sourcing it defines settings and functions and changes
# nothing on the host.
#
#   - what the stack needs: the minimum versions, the base image, and how to
#     compare versions;
#   - questions about this host: root? CI? Debian? which docker versions?
#     a Chromium for the tests?
#   - the bootstrap's output: "==> [bootstrap] <step> ... ok (1.2s) note"
#     lines, one-line failures that name the fix, and its log.

# ------------------------------------------------------ what the stack needs --
MIN_ENGINE=25.0   # healthcheck start_interval
MIN_COMPOSE=2.20
MIN_BUILDX=0.17   # Compose refuses to build through an older buildx
DEFAULT_BASE_IMAGE=debian:trixie-slim
# The infra tests load pages in Debian's headless Chromium.
CHROMIUM_INSTALL="apt-get install -y --no-install-recommends chromium"

# True when version $1 >= $2 (dotted numbers; anything after them is ignored).
version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }

# First x.y[.z] in a string ("v2.40.3", "0.29.1+ds1").
first_version() { grep -oE '[0-9]+\.[0-9]+(\.[0-9]+)?' <<<"$1" | head -n1 || true; }

# ---------------------------------------------------------------- this host --
is_root() { [ "$(id -u)" -eq 0 ]; }

# CI counts as set unless empty or an explicit "false".
ci_set() { case "${CI:-}" in '' | false | False | FALSE | 0 | no) return 1 ;; esac; }

# shellcheck source=/dev/null
host_codename() { ( . /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}" ); }
# shellcheck source=/dev/null
host_is_debian() { ( . /etc/os-release 2>/dev/null && [ "${ID:-}" = debian ] ); }

cli_version() { first_version "$(docker --version 2>/dev/null || true)"; }
engine_answers() { docker info >/dev/null 2>&1; }
engine_version() { docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?'; }
compose_version() { first_version "$(docker compose version --short 2>/dev/null || true)"; }
buildx_version() { first_version "$(docker buildx version 2>/dev/null | awk '{print $2}' || true)"; }

# Where the infra tests find Chromium: /usr/bin/chromium, else `chromium` on PATH.
chromium_path() {
  if [ -x /usr/bin/chromium ]; then echo /usr/bin/chromium; else command -v chromium; fi
}

# ---------------------------------------------------------- bootstrap state --
ALLOW_INSTALL=0     # 1 when root and (CI or --install); set by the bootstrap
CURRENT_STEP="start-up"
STEP_NOTE=""        # one-line result a step function leaves for its line
STEP_RESULT=""      # the word in place of "ok" when a step did not do its job
STEP_OPEN=0         # a "title ... " line is printed and not yet ended
CHANGED=()          # what this run changed, for the summary
TODO=()             # what this run could not do and the user should, for the summary
WORKDIR=""          # scratch dir, removed on exit
BOOTSTRAP_LOG=${BOOTSTRAP_LOG:-/dev/null}

# ---------------------------------------------------------- bootstrap output --
now_us() { local t=${EPOCHREALTIME:-}; if [ -n "$t" ]; then echo "${t/./}"; else echo $(( $(date +%s%N) / 1000 )); fi; }
# Microseconds -> "1.2s".
fmt_secs() { local us=$1; printf '%d.%ds' $(( us / 1000000 )) $(( us % 1000000 / 100000 )); }

say() { printf '==> [bootstrap] %s\n' "$*"; }

# End a step's open "title ... " line before an error message.
close_step_line() {
  if [ "$STEP_OPEN" -eq 1 ]; then printf 'FAILED\n'; STEP_OPEN=0; fi
}

# Fail the current step with one line: what failed, and what to do;
# optionally followed by the last lines of a log file.
fail() {
  local what=$1 todo=$2 log=${3:-}
  close_step_line
  say "FAILED: $CURRENT_STEP: $what. $todo"
  if [ -n "$log" ]; then tail -n 15 "$log" 2>/dev/null | sed 's/^/    | /' || true; fi
  exit 1
}

# Unexpected command failure (set -e): name the step and the command.
on_err() {
  local rc=$? cmd=$BASH_COMMAND
  trap - ERR
  close_step_line
  say "FAILED: $CURRENT_STEP: '$cmd' exited $rc. See $BOOTSTRAP_LOG (last lines below), fix the cause, rerun scripts/bootstrap."
  tail -n 15 "$BOOTSTRAP_LOG" 2>/dev/null | sed 's/^/    | /' || true
  exit "$rc"
}

cleanup() {
  if [ -n "$WORKDIR" ] && [ -d "$WORKDIR" ]; then rm -rf "$WORKDIR"; fi
}

# Run a command with its output going to the bootstrap log.
run() { echo "+ $*" >>"$BOOTSTRAP_LOG"; "$@" >>"$BOOTSTRAP_LOG" 2>&1; }

# step "title" function: runs one step, prints "title ... ok (1.2s) note".
step() {
  local title=$1 fn=$2 t0
  CURRENT_STEP=$title STEP_NOTE="" STEP_RESULT=""
  printf '==> [bootstrap] %s ... ' "$title"
  STEP_OPEN=1
  echo "### step: $title" >>"$BOOTSTRAP_LOG"
  t0=$(now_us)
  "$fn"
  printf '%s (%s)%s\n' "${STEP_RESULT:-ok}" "$(fmt_secs $(( $(now_us) - t0 )))" "${STEP_NOTE:+ $STEP_NOTE}"
  STEP_OPEN=0
}

# ------------------------------------------------------ bootstrap's helpers --
may_install() { [ "$ALLOW_INSTALL" -eq 1 ]; }

# Refuse to install, telling how to allow it.
need_install_permission() {
  local what=$1 manual=$2
  may_install && return 0
  if is_root; then
    fail "$what is missing" "Rerun as 'scripts/bootstrap --install' to let it install one, or $manual"
  else
    fail "$what is missing" "Rerun as root: 'sudo scripts/bootstrap --install', or $manual"
  fi
}

# Scratch dir for this run (removed on exit). Call in the main shell, not
# in $(...), so that WORKDIR sticks and cleanup() finds it.
make_scratch() {
  [ -n "$WORKDIR" ] || WORKDIR=$(mktemp -d "${TMPDIR:-/var/tmp}/stack-bootstrap.XXXXXX")
}
