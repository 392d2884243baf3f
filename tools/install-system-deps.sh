#!/usr/bin/env bash
# Installs the Debian packages the whole test suite needs (run as root on Debian 12).
#
# Idempotent and quiet: when every package is already installed it only runs
# dpkg-query and exits in well under a second, without touching the network.
# The packages:
#   chromium                      real browser for the extension tests (Playwright drives it)
#   chromium-l10n                 its UI languages: without it chrome.i18n is always en-US and
#                                 the extension's Japanese dialog cannot be seen or tested
#   fonts-ipafont-gothic          Japanese glyphs, so screenshots of the dialog are legible
#   roundcube roundcube-sqlite3   the real webmail for tests/browser/e2e (sqlite, no database server)
#   php8.2-cgi                    satisfies Roundcube's web-server dependency without Apache;
#                                 the tests serve Roundcube with `php -S`
#   dovecot-imapd                 IMAP server Roundcube logs into (started per test session)
#   slapd ldap-utils              a real LDAP directory for the LDAP sync tests
#   sogo memcached postgresql     a second real webmail (SOGo), covered by a site profile only;
#                                 the tests run sogod, memcached and a PostgreSQL cluster of
#                                 their own on free ports (tests/browser/e2e/sogo.py)
#   systemd                       systemd-analyze, to verify the generated autostart unit
#   python3-venv                  venv for tools/test.sh and tools/install.sh (not in a stock Debian)
#   postgresql                    the central service's database; the tests run their own
#                                 initdb cluster in a temporary folder on a free port
#   openssl                       makes the central service's test certificate
set -euo pipefail

PACKAGES=(
  chromium
  chromium-l10n
  fonts-ipafont-gothic
  roundcube
  roundcube-sqlite3
  php8.2-cgi
  dovecot-imapd
  slapd
  ldap-utils
  sogo
  memcached
  postgresql
  systemd
  python3-venv
  openssl
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  # "install ok installed" only for a fully configured package; half-installed ones are redone.
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  if [[ "$status" != "install ok installed" ]]; then
    missing+=("$pkg")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-system-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "install-system-deps: missing ${missing[*]}; run this script as root" >&2
  exit 2
fi

export DEBIAN_FRONTEND=noninteractive
# Without these answers roundcube-core asks to create a database and slapd asks
# for an admin password; the tests configure both from their own files instead.
debconf-set-selections <<'SEL'
roundcube-core roundcube/dbconfig-install boolean false
roundcube-core roundcube/database-type select sqlite3
slapd slapd/no_configuration boolean true
SEL

# Keep postinst scripts from starting system daemons: a system dovecot, slapd, sogo,
# memcached or postgresql would hold ports 143/389/20000/11211/5432, and the tests
# start their own on free ports anyway.
# Only a policy file we created is removed again.
policy=/usr/sbin/policy-rc.d
if [[ ! -e "$policy" ]]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
  trap 'rm -f "$policy"' EXIT
fi

echo "install-system-deps: installing ${missing[*]}"
log=$(mktemp)
# apt's chatter goes to a log that is shown only when something fails.
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "${missing[@]}"; } >"$log" 2>&1; then
  cat "$log" >&2
  rm -f "$log"
  echo "install-system-deps: apt-get failed (output above)" >&2
  exit 1
fi
rm -f "$log"
echo "install-system-deps: done"
