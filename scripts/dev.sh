#!/usr/bin/env bash
# The project's entry points, for a fresh Debian machine (root or sudo):
#   scripts/dev.sh demo    install what is needed, build the extension into build/dist, then
#                          run the demo: a simulated call pops a contact from the local testCRM
#                          (--server app-connect: served by App Connect's real server core)
#   scripts/dev.sh build   the same without the demo
#   scripts/dev.sh test    install, build, then ruff and the whole pytest suite (unit + Chromium e2e)
# Everything is installed from the project's own files: Debian packages below,
# Python packages from pyproject.toml into .venv, Pyodide from the npm registry, and the real
# App Connect server core the tests run against (scripts/appconnect, npm ci from its lock file;
# it keeps its data in a throwaway PostgreSQL cluster, hence Debian's postgresql).
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(chromium openssl nodejs npm python3-venv postgresql)
VENV=.venv

log() { printf '[dev] %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_debian_packages() {
  local missing=()
  command -v chromium >/dev/null || missing+=(chromium)
  command -v openssl >/dev/null || missing+=(openssl)
  command -v npm >/dev/null || missing+=(nodejs npm)
  python3 -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

install_python_packages() {
  [ -x "$VENV/bin/python" ] || { log "creating $VENV"; python3 -m venv "$VENV"; }
  log "installing crm-callbacks and its dev tools into $VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
  "$VENV/bin/python" -m pip install -q -e '.[dev]' 2> >(grep -v '^WARNING: Location' >&2)
}

install_real_core() {
  # npm ci only when the lock file changed since the last install (it empties node_modules).
  local dir=scripts/appconnect stamp=scripts/appconnect/node_modules/.installed-lock
  if ! cmp -s "$dir/package-lock.json" "$stamp" 2>/dev/null; then
    log "installing the real App Connect server core (npm ci in $dir)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    cp "$dir/package-lock.json" "$stamp"
  fi
}

setup() {
  install_debian_packages
  install_python_packages
  install_real_core
}

build() {
  "$VENV/bin/python" scripts/build.py "$@"
}

run_tests() {
  log "ruff"
  "$VENV/bin/ruff" check .
  "$VENV/bin/ruff" format --check .
  log "pytest (unit, property and Chromium end-to-end tests)"
  # pytest exits 5 when it collected no test: that is a failure here, as any non-zero.
  "$VENV/bin/python" -m pytest "$@"
  if [ $# -eq 0 ]; then
    log "the unit tests again, inside Pyodide under Node (the runtime the extension ships)"
    PYTHON="$VENV/bin/python" node scripts/pyodide_tests.mjs
  fi
}

case "${1:-}" in
  demo)
    shift
    demo_args=()
    if [ "${1:-}" = "--server" ]; then demo_args=(--server "${2:?--server python|app-connect}"); shift 2; fi
    setup; build "$@"; "$VENV/bin/python" scripts/demo.py "${demo_args[@]}" ;;
  build) shift; setup; build "$@" ;;
  test) shift; setup; build; run_tests "$@" ;;
  *) echo "usage: scripts/dev.sh demo|build [build.py flags] | test [pytest args]" >&2; exit 2 ;;
esac
