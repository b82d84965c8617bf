#!/usr/bin/env bash
# From a fresh machine to ready: Debian packages, the Python environment (.venv),
# a running Docker engine and the sandbox image. Idempotent: a second run on a
# ready machine takes seconds.
#
#   scripts/setup.sh            what `capstone-eval evaluate` needs
#   scripts/setup.sh --tests    also what the test suite needs (headless Chromium, redis-server,
#                               PostgreSQL, the Python 3.13 sandbox image)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

want_tests=0
[ "${1:-}" = "--tests" ] && want_tests=1

say() { printf '[setup] %s\n' "$*" >&2; }

# --- Debian packages --------------------------------------------------------
packages=()
command -v git >/dev/null || packages+=(git)
command -v dockerd >/dev/null || packages+=(docker.io)
python3 -c 'import venv, ensurepip' 2>/dev/null || packages+=(python3-venv)
if [ "$want_tests" = 1 ] && ! command -v chromium >/dev/null; then packages+=(chromium); fi
# The job queue's tests start their own Redis servers on loopback ports.
if [ "$want_tests" = 1 ] && ! command -v redis-server >/dev/null; then packages+=(redis-server); fi
# The results store's tests start their own PostgreSQL cluster with initdb/pg_ctl.
if [ "$want_tests" = 1 ] && ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
  packages+=(postgresql)
fi
if [ "${#packages[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    say "missing Debian packages: ${packages[*]}; run this script as root once (or install them)"
    exit 2
  fi
  say "installing Debian packages: ${packages[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

# --- Python environment -----------------------------------------------------
if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  python3 -m venv .venv
fi
stamp=.venv/.capstone-installed
digest=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$digest" ]; then
  say "installing capstone-evaluator and its dependencies into .venv"
  .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]'
  echo "$digest" > "$stamp"
fi

# --- Docker engine and sandbox images ----------------------------------------
.venv/bin/capstone-eval sandbox setup
# The test suite also runs a project on Python 3.13 (Debian 13's stack, ~3.5 min fresh).
if [ "$want_tests" = 1 ]; then .venv/bin/capstone-eval sandbox setup --python 3.13; fi
