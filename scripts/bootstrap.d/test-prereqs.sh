# shellcheck shell=bash disable=SC2034 # sourced: the files that source it use what it sets
# scripts/bootstrap.d/test-prereqs.sh: what the tests need on the host
# beyond Docker: Debian's headless Chromium, in which the infra tests load
# pages. Sourced by scripts/bootstrap, after lib/common.sh and
# lib/apt-sources.sh.
#
# Present: kept. Missing: installed from the host's own suite when the
# bootstrap may install (root, and CI or --install); otherwise the step
# prints the command to run and does not fail: the stack runs without it,
# only `uv run tox -e infra` needs it.

step_test_prereqs() {
  local chromium
  if chromium=$(chromium_path); then
    STEP_NOTE="Chromium $(chromium_version "$chromium") at $chromium"
    return 0
  fi
  if ! host_is_debian; then
    chromium_missing "install Chromium (the infra tests run /usr/bin/chromium or chromium on PATH)"
  elif may_install; then
    ensure_host_packages chromium
    chromium=$(chromium_path) || fail "Debian's chromium is installed but no chromium is at /usr/bin/chromium or on PATH" "See $BOOTSTRAP_LOG"
    STEP_NOTE="Chromium $(chromium_version "$chromium") installed at $chromium"
  elif is_root; then
    chromium_missing "run '$CHROMIUM_INSTALL' (or 'scripts/bootstrap --install')"
  else
    chromium_missing "run 'sudo $CHROMIUM_INSTALL'"
  fi
}

# The version of Debian's chromium package, else what the binary says.
chromium_version() {
  local v
  v=$(dpkg-query -W -f='${Version}' chromium 2>/dev/null) || v=$(first_version "$("$1" --version 2>/dev/null)")
  echo "${v:-?}"
}

# Not installed, not a failure: say what to run, in the step line and the summary.
chromium_missing() {
  local todo=$1
  STEP_RESULT="not installed"
  STEP_NOTE="no Chromium, which the infra tests need: $todo"
  TODO+=("Chromium for the infra tests: $todo")
}
