#!/bin/sh
# What `make test` needs from the system, beside Python: Debian's Chromium (the browser tests), a
# CJK font (pages and screenshots in Chinese), PostgreSQL (the second run of the suite), Redis (the
# Celery worker tests) and GNU gettext (the translation check). Missing ones are installed when we
# are root with apt-get (a fresh Debian machine, CI); otherwise we stop at once with the exact line
# to run, instead of a wall of browser-test errors.
set -eu
packages="${BANYAN_SYSTEM_PACKAGES:-chromium fonts-noto-cjk postgresql redis-server gettext}"

missing=""
if command -v dpkg >/dev/null 2>&1; then
  for pkg in $packages; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
  done
else
  # not Debian: look for what the tests run
  command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing="$missing chromium"
  command -v fc-list >/dev/null 2>&1 && fc-list :lang=zh | grep -q . || missing="$missing fonts-noto-cjk"
  command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$missing postgresql"
  command -v redis-server >/dev/null 2>&1 || missing="$missing redis-server"
  command -v msgfmt >/dev/null 2>&1 || missing="$missing gettext"
fi
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "make test: installing the system packages the tests need:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
  exit 0
fi

echo "make test needs these system packages first:$missing" >&2
if command -v apt-get >/dev/null 2>&1; then
  echo "Install them with:  sudo apt-get install -y --no-install-recommends$missing" >&2
else
  echo "(Debian package names; install the equivalents with your system's package manager.)" >&2
fi
exit 1
