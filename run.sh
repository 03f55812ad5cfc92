#!/usr/bin/env bash
# One entry point for people and CI:
#   ./run.sh dashboard   set everything up, then start the dashboard (bundled sample by default)
#   ./run.sh test        set everything up, then run the whole test suite
#   ./run.sh setup       only set up
# Set-up is idempotent: Debian packages (Chromium for the browser tests, poppler for PDF
# checks, Pango for WeasyPrint) and a virtualenv in .venv installed from the hashed lock
# requirements-test.lock (runtime + tests, generated from pyproject.toml; see README,
# "Dependencies"): exactly those files, nothing resolved, so every machine gets what CI tested.
set -euo pipefail
cd "$(dirname "$0")"

DEBIAN_PACKAGES=(chromium poppler-utils libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-liberation)
PYTHON=${PYTHON:-python3}

setup_debian() {
  local missing=()
  for package in "${DEBIAN_PACKAGES[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

setup_python() {
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  local stamp=.venv/.requirements.sha256
  local wanted
  # Over the lock files: a changed lock reinstalls.
  wanted=$(cat requirements.lock requirements-test.lock | sha256sum | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    echo "Installing Python packages from requirements-test.lock"
    # --no-deps: the lock is the complete set; pip check proves it is consistent.
    .venv/bin/python -m pip install -q --require-hashes --no-deps -r requirements-test.lock
    .venv/bin/python -m pip check
    echo "$wanted" > "$stamp"
  fi
}

setup_node() {
  # axe-core for the browser tests' accessibility checks, exactly as tests/axe/package-lock.json
  # pins it (integrity hash included); only when npm is there and the lock changed.
  command -v npm >/dev/null 2>&1 || { echo "npm not found: the accessibility checks will fail" >&2; return 0; }
  local stamp=tests/axe/node_modules/.lock.sha256
  local wanted
  wanted=$(sha256sum tests/axe/package-lock.json | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    echo "Installing axe-core from tests/axe/package-lock.json"
    npm ci --prefix tests/axe --no-audit --no-fund --loglevel=error >/dev/null
    echo "$wanted" > "$stamp"
  fi
}

setup() {
  setup_debian
  setup_python
  setup_node
}

case "${1:-}" in
  setup)
    setup ;;
  test)
    shift
    setup
    .venv/bin/python -m pytest "$@" ;;
  dashboard)
    shift
    setup
    exec .venv/bin/streamlit run streamlit_app.py "$@" ;;
  *)
    echo "usage: ./run.sh dashboard | test [pytest args] | setup" >&2
    exit 2 ;;
esac
