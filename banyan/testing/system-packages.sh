#!/bin/sh
# What `make test` needs from the system, beside Python: Debian's Chromium (the browser tests), a
# CJK font (pages, screenshots and the diagnosis PDF in Chinese), PostgreSQL (the second run of the
# suite), Redis (the Celery worker tests), GNU gettext (the translation check), Pango (WeasyPrint,
# the diagnosis PDF) and poppler-utils (pdftoppm renders a PDF's page in the tests). Missing ones are
# installed when we are root with apt-get (a fresh Debian machine, CI); otherwise we stop at once with
# the exact line to run, instead of a wall of browser-test errors.
set -eu
packages="${BANYAN_SYSTEM_PACKAGES:-chromium fonts-noto-cjk postgresql redis-server gettext libpango-1.0-0 libpangoft2-1.0-0 poppler-utils}"
# Who needs them, for the message: `make run` asks only for what the app itself needs (see the Makefile).
needed_by="${BANYAN_SYSTEM_PACKAGES_FOR:-make test}"

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
  ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || missing="$missing libpango-1.0-0 libpangoft2-1.0-0"
  command -v pdftoppm >/dev/null 2>&1 || missing="$missing poppler-utils"
fi
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "$needed_by: installing the system packages it needs:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
  exit 0
fi

echo "$needed_by needs these system packages first:$missing" >&2
if command -v apt-get >/dev/null 2>&1; then
  echo "Install them with:  sudo apt-get install -y --no-install-recommends$missing" >&2
else
  echo "(Debian package names; install the equivalents with your system's package manager.)" >&2
fi
exit 1
