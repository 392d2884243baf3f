#!/usr/bin/env bash
# Installs everything the tests need on a fresh Debian 12 machine, then runs them.
# This is the README's test command and what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $(id -u) -eq 0 ]]; then
  bash tools/install-system-deps.sh
elif command -v sudo >/dev/null 2>&1; then
  sudo bash tools/install-system-deps.sh
else
  echo "tools/test.sh: not root and no sudo; assuming the Debian packages are installed" >&2
fi

python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'
exec python3 -m pytest "$@"
