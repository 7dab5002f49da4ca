#!/usr/bin/env bash
# Refresh and compile the Simplified Chinese catalogues of our apps.
#
#   1. makemessages for home, news and yearbook -> <app>/locale/zh_Hans/LC_MESSAGES/django.po
#   2. cms's own strings (cms/*.py, cms/templates): extracted with makemessages in a
#      temporary copy of cms/ and merged into cms/locale/zh_Hans/LC_MESSAGES/django.po,
#      which also holds the strings Wagtail's own zh_Hans catalogues lack (kept as they are)
#   3. compilemessages for every catalogue of ours (the .mo files are committed)
#
# Then translate the entries it reports (empty msgstr, or "#, fuzzy" after a
# source string changed), run it again to compile, and run
# tests/cms/test_translations.py. Details, and what to do after a Wagtail upgrade:
# the docstring of cms/management/commands/missing_admin_translations.py.
#
# Needs GNU gettext (xgettext, msgmerge, msgfmt) and the dev requirements (polib).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
VENV_BIN=${VENV_BIN:-$ROOT/.venv/bin}
DJANGO_ADMIN="$VENV_BIN/django-admin"
PYTHON="$VENV_BIN/python"
export DJANGO_SETTINGS_MODULE=cms.settings
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
LOCALE=zh_Hans
APPS=(home news yearbook legacy search wechat)  # keep in step with MODEL_APPS in tests/cms/test_translations.py
MAKEMESSAGES=("$DJANGO_ADMIN" makemessages --locale "$LOCALE" --no-obsolete --add-location file)

echo "== 1. makemessages: ${APPS[*]}"
for app in "${APPS[@]}"; do
    # Without <app>/locale, makemessages would put the app's strings into
    # cms/locale (LOCALE_PATHS[0], its default) and mark the supplement obsolete.
    mkdir -p "$app/locale"
    (cd "$app" && "${MAKEMESSAGES[@]}")
done

echo "== 2. cms's own strings -> cms/locale"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -R cms "$tmp/cms"
rm -rf "$tmp/cms/locale"
find "$tmp/cms" -name __pycache__ -type d -prune -exec rm -rf {} +
mkdir -p "$tmp/cms/locale"
(cd "$tmp/cms" && "${MAKEMESSAGES[@]}")
extracted="$tmp/cms/locale/$LOCALE/LC_MESSAGES/django.po"
if [ ! -f "$extracted" ]; then  # no translatable string in cms at all
    mkdir -p "$(dirname "$extracted")"
    printf 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n' >"$extracted"
fi
"$PYTHON" manage.py missing_admin_translations --merge-own "$extracted"

echo "== 3. compilemessages"
for dir in cms "${APPS[@]}"; do
    (cd "$dir" && "$DJANGO_ADMIN" compilemessages --locale "$LOCALE")
done

echo "== What still shows in English"
for po in cms/locale/$LOCALE/LC_MESSAGES/*.po; do
    printf '%s: ' "$po"
    msgfmt --statistics -o /dev/null "$po"
done
for app in "${APPS[@]}"; do
    po="$app/locale/$LOCALE/LC_MESSAGES/django.po"
    printf '%s: ' "$po"
    msgfmt --statistics -o /dev/null "$po"
done
"$PYTHON" manage.py missing_admin_translations | grep -v '^  ' || true
