#!/usr/bin/env bash
# Regenerates the lock files from pyproject.toml with uv (exact versions, hashes, every platform).
#
#   requirements/atesaki.lock  what an administrator installs (docs/deploy.md)
#   requirements/test.lock     the same versions plus the test tools; CI runs the suite on it
#
# Run after changing a dependency in pyproject.toml, then run `bash tools/test.sh` (it tests
# both the lock and the newest versions pyproject.toml allows) before committing.
set -euo pipefail
cd "$(dirname "$0")/.."
uv=${UV:-uv}
if ! command -v "$uv" >/dev/null 2>&1; then
  echo "tools/lock.sh: needs uv (pip install uv)" >&2
  exit 2
fi
common=(--universal --python-version 3.11 --generate-hashes --quiet
        --custom-compile-command "bash tools/lock.sh")
"$uv" pip compile pyproject.toml "${common[@]}" -o requirements/atesaki.lock
"$uv" pip compile pyproject.toml --extra test -c requirements/atesaki.lock "${common[@]}" \
  -o requirements/test.lock
echo "tools/lock.sh: wrote requirements/atesaki.lock and requirements/test.lock"
