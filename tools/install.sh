#!/usr/bin/env bash
# Installs the Atesaki service for this user from this folder, with the tested versions of
# requirements/atesaki.lock, into its own virtual environment; links ~/.local/bin/atesaki.
# Works as root or a normal user on Debian 12, Ubuntu 24.04 and macOS, with the system's
# own python3 (no pyenv, no pip into the system Python: PEP 668 forbids that).
#
#   bash tools/install.sh && ~/.local/bin/atesaki serve      (the README's first command)
#
# PYTHON picks the interpreter (default python3, 3.11 or newer); ATESAKI_VENV the folder
# (default ~/.local/share/atesaki-venv: beside, never inside, the data folder).
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
venv=${ATESAKI_VENV:-$HOME/.local/share/atesaki-venv}
bin=$HOME/.local/bin

say() { printf 'atesaki install: %s\n' "$*" >&2; }

if ! command -v "$python" >/dev/null 2>&1; then
  say "$python が見つかりません / $python was not found. Install Python 3.11 or newer."
  exit 2
fi
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  say "Python 3.11 以上が必要です / needs Python 3.11 or newer ($("$python" --version 2>&1))."
  exit 2
fi

# Debian and Ubuntu ship venv apart from python3 (package python3-venv).
if ! "$python" -c 'import ensurepip, venv' >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    if [[ $(id -u) -eq 0 ]]; then
      say "python3-venv をインストールします / installing python3-venv"
      DEBIAN_FRONTEND=noninteractive apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    elif command -v sudo >/dev/null 2>&1; then
      say "python3-venv をインストールします（sudo）/ installing python3-venv (sudo)"
      sudo apt-get update -qq && sudo apt-get install -y -qq python3-venv >/dev/null
    else
      say "管理者に python3-venv のインストールを依頼してください /" \
          "ask your administrator to install python3-venv (apt-get install python3-venv)."
      exit 2
    fi
  else
    say "この Python には venv がありません / this Python has no venv module."
    exit 2
  fi
fi

say "$venv に作成します / making $venv with $("$python" --version 2>&1)"
"$python" -m venv --clear "$venv"
pip=("$venv/bin/python" -m pip --quiet --disable-pip-version-check)
"${pip[@]}" install --upgrade pip
"${pip[@]}" install --require-hashes -r requirements/atesaki.lock
"${pip[@]}" install --no-deps .

mkdir -p "$bin"
ln -sf "$venv/bin/atesaki" "$bin/atesaki"
say "完了 / done: $("$bin/atesaki" --version)"
say "起動 / start:  $bin/atesaki serve"
say "ログイン時に自動起動 / start at login:  $bin/atesaki native-host install && $bin/atesaki autostart enable"
