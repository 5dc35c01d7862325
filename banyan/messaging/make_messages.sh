#!/bin/sh
# Refresh the messaging catalogue banyan/messaging/locale/zh_Hans/LC_MESSAGES/django.po from the
# app's Python files and templates/messaging, and compile it. Other catalogues are not touched:
# makemessages runs in a scratch tree whose only locale directory is this app's.
# Run from the project root: sh banyan/messaging/make_messages.sh
set -eu
root=$(pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/banyan/messaging" "$scratch/templates"
for f in "$root"/banyan/messaging/*.py; do ln -s "$f" "$scratch/banyan/messaging/"; done
ln -s "$root/templates/messaging" "$scratch/templates/messaging"
ln -s "$root/banyan/messaging/locale" "$scratch/locale"
cat > "$scratch/scratch_settings.py" <<PY
from banyan.settings import *  # noqa: F403
LOCALE_PATHS = ["$scratch/locale"]
PY
cd "$scratch"
DJANGO_SETTINGS_MODULE=scratch_settings PYTHONPATH="$scratch:$root" "$root/.venv/bin/django-admin" makemessages \
  -l zh_Hans --symlinks --no-obsolete --no-wrap --add-location file --ignore 'scratch_settings.py'
msgfmt --check -o "$root/banyan/messaging/locale/zh_Hans/LC_MESSAGES/django.mo" \
  "$root/banyan/messaging/locale/zh_Hans/LC_MESSAGES/django.po"
