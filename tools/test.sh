#!/usr/bin/env bash
# The README's test command, and what CI runs (.ci/run): installs what the tests need and
# runs them against what a new user gets.
#
#   bash tools/test.sh            both runs below (what CI does)
#   bash tools/test.sh --lock     only the locked versions (requirements/test.lock)
#   bash tools/test.sh --newest   only the newest versions pyproject.toml allows
#   bash tools/test.sh --service  only the service's newest versions without the test extra
#   bash tools/test.sh -- ARGS    ARGS go to pytest (e.g. -- -x tests/web/test_api.py)
#
# Each run makes its own virtual environment from scratch (never the machine's Python
# packages), so a dependency's new release that breaks Atesaki fails here, not for users.
# The lock run leaves out the browser suites and the install test (which installs from the
# lock itself): they run once, on the newest versions.
# The service run installs Atesaki alone (`pip install .`, as a user without the lock does)
# plus pytest and hypothesis: the test extra can hold a dependency back (schemathesis caps
# jsonschema-rs), and the service's tests must pass on what a plain install gets.
# PYTHON picks the interpreter (default python3; CI uses Debian's /usr/bin/python3).
set -euo pipefail
cd "$(dirname "$0")/.."

runs=(lock newest service)
case "${1:-}" in
  --lock) runs=(lock); shift ;;
  --newest) runs=(newest); shift ;;
  --service) runs=(service); shift ;;
esac
[[ "${1:-}" == "--" ]] && shift

if [[ $(id -u) -eq 0 ]]; then
  bash tools/install-system-deps.sh
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo bash tools/install-system-deps.sh
else
  echo "tools/test.sh: not root and no sudo; assuming the Debian packages are installed" \
       "(tools/install-system-deps.sh lists them)" >&2
fi

python=${PYTHON:-python3}
pip_quiet=(--quiet --disable-pip-version-check)

make_venv() {  # make_venv DIR: a clean virtual environment with a current pip
  "$python" -m venv --clear "$1"
  "$1/bin/python" -m pip install "${pip_quiet[@]}" --upgrade pip
}

for run in "${runs[@]}"; do
  venv=.venv-test/$run
  echo "tools/test.sh: $run run, $("$python" --version 2>&1) at $(command -v "$python"), venv $venv"
  make_venv "$venv"
  if [[ $run == lock ]]; then
    "$venv/bin/python" -m pip install "${pip_quiet[@]}" --require-hashes -r requirements/test.lock
    "$venv/bin/python" -m pip install "${pip_quiet[@]}" --no-deps -e .
    marks=(-m "not browser and not roundcube and not sogo and not install")
  elif [[ $run == service ]]; then
    "$venv/bin/python" -m pip install "${pip_quiet[@]}" --upgrade --upgrade-strategy eager \
      -e . pytest hypothesis
    marks=(tests/core tests/store tests/knowledge tests/web tests/services
           --ignore=tests/web/test_openapi_fuzz.py)
  else
    "$venv/bin/python" -m pip install "${pip_quiet[@]}" --upgrade --upgrade-strategy eager -e '.[test]'
    marks=()
  fi
  "$venv/bin/python" -m pip list --format=freeze --disable-pip-version-check \
    | grep -i -E '^(flask|flask-cors|werkzeug|click|waitress|pyotp|jellyfish|orjson|jsonschema.rs|playwright)=' \
    | tr '\n' ' '
  echo
  "$venv/bin/python" -m pytest "${marks[@]}" "$@"
done
