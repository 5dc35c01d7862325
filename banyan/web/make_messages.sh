#!/bin/sh
# Refresh the project-wide catalogue banyan/locale/zh_Hans/LC_MESSAGES/django.po from the files
# it covers: the shell (web, templates), the customer's pages and forms, and the models, services and
# selectors of the customers, holdings and contacts apps, and org's models (roles). The org and audit apps keep
# their own catalogues for their pages, so they are not scanned here: makemessages would write
# into them. Run from the project root: sh banyan/web/make_messages.sh
set -eu
root=$(pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/banyan/customers" "$scratch/banyan/holdings" "$scratch/banyan/contacts" "$scratch/banyan/org" \
         "$scratch/templates"
ln -s "$root/banyan/web" "$scratch/banyan/web"
for app in customers holdings contacts; do
  for f in models.py services.py selectors.py completeness.py identity.py views.py file_views.py forms.py; do
    [ -f "$root/banyan/$app/$f" ] && ln -s "$root/banyan/$app/$f" "$scratch/banyan/$app/$f"
  done
done
ln -s "$root/banyan/org/models.py" "$scratch/banyan/org/models.py"
ln -s "$root/banyan/validation.py" "$scratch/banyan/validation.py"  # Banyan's words for a text too long
for t in base.html registration web customers contacts; do ln -s "$root/templates/$t" "$scratch/templates/$t"; done
cd "$scratch"
DJANGO_SETTINGS_MODULE=banyan.settings PYTHONPATH="$root" "$root/.venv/bin/django-admin" makemessages \
  -l zh_Hans --symlinks --no-obsolete --no-wrap --ignore 'banyan/web/tests/*' --add-location file
msgfmt --check -o "$root/banyan/locale/zh_Hans/LC_MESSAGES/django.mo" "$root/banyan/locale/zh_Hans/LC_MESSAGES/django.po"
