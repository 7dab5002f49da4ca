"""Editors see the admin in Simplified Chinese: no English from Wagtail, none from our models.

What is checked is what an editor would read: the labels, help texts and choices
of our models and StreamField blocks, every message of the installed packages'
admin catalogues as gettext returns it under zh-hans, the admin's JavaScript
catalogue as the browser receives it, and admin pages as they render.

When a test here fails after a change of models or an upgrade of Wagtail, see the
docstring of cms/management/commands/missing_admin_translations.py (in short:
scripts/update_translations.sh, translate, run it again).
"""

import json
import re
from pathlib import Path

import polib
import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views.i18n import JSONCatalog
from modelcluster.fields import ParentalKey
from taggit.models import ItemBase
from wagtail import blocks
from wagtail.fields import StreamField
from wagtail.test.utils.form_data import querydict_from_html

LANGUAGE = "zh-hans"
CJK = re.compile(r"[\u4e00-\u9fff]")
# The apps whose models' strings are translated (cms has no models). An app whose
# models editors see joins this list and APPS in scripts/update_translations.sh
# (legacy's admin list of imported pages is still to be translated).
MODEL_APPS = ["home", "news", "yearbook", "legacy", "search", "wechat"]
OUR_APPS = {"cms", "home", "news", "yearbook", "search", "wechat", "legacy"}
OUR_CATALOGUES = [
    Path(settings.BASE_DIR) / app / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po" for app in MODEL_APPS
] + [Path(settings.BASE_DIR) / "cms" / "locale" / "zh_Hans" / "LC_MESSAGES" / f"{d}.po" for d in ("django", "djangojs")]

# Package strings that read the same in Chinese, so gettext may return them unchanged.
SAME_IN_CHINESE = {
    "URL",  # the Chinese admin writes URL, as Wagtail's own zh_Hans catalogue does
    "ID",  # likewise (e.g. "页面/片段 ID" in Wagtail's catalogue)
    "Wagtail API v2",  # product names (Django app verbose names), not translated
    "Wagtail API v3",
}
PLACEHOLDER = re.compile(r"%\(\w+\)[sdr]|%[sdr]|\{\w*\}|<[^>]+>")


def is_chinese(text):
    return bool(CJK.search(str(text)))


def needs_no_translation(msgid):
    """Allowed to stay as it is: a listed name, or a format with no words (e.g. "%(a)s - %(b)s")."""
    return msgid in SAME_IN_CHINESE or not re.search(r"[A-Za-z]", PLACEHOLDER.sub("", msgid))


def offences_message(what, offences):
    return f"{len(offences)} {what} would show in English under {LANGUAGE}:\n" + "\n".join(offences)


# --- our models and blocks ---------------------------------------------------------


def our_models():
    for app_label in MODEL_APPS:
        yield from apps.get_app_config(app_label).get_models()


def foreign_field_names(model):
    """Names of the fields our model inherits from other packages' models (Page, Orderable...)."""
    names = set()
    for base in model.__mro__[1:]:
        meta = getattr(base, "_meta", None)
        if meta is not None and base.__module__.split(".")[0] not in OUR_APPS:
            names.update(f.name for f in meta.local_fields + meta.local_many_to_many + meta.private_fields)
    return names


def own_fields(model):
    """The fields declared on our model classes, without pointers, parental keys and reverse relations."""
    inherited = foreign_field_names(model)
    for field in model._meta.get_fields():
        if field.auto_created or not hasattr(field, "verbose_name") or field.name in inherited:
            continue
        if isinstance(field, ParentalKey) or (
            isinstance(field, models.OneToOneField) and field.remote_field.parent_link
        ):
            continue
        yield field


def choice_labels(choices):
    for value, label in choices:
        if isinstance(label, (list, tuple)):  # an option group
            yield from choice_labels(label)
        elif value not in ("", None):
            yield label


def model_strings():
    """(where, text) of every model string an editor can read."""
    for model in our_models():
        name = model._meta.label
        # taggit's through tables (e.g. NewsPageTag) never appear in the admin; their
        # tag field's label is taggit's own.
        if not issubclass(model, ItemBase):
            yield f"{name} verbose_name", model._meta.verbose_name
            yield f"{name} verbose_name_plural", model._meta.verbose_name_plural
        for field in own_fields(model):
            yield f"{name}.{field.name} verbose_name", field.verbose_name
            if field.help_text:
                yield f"{name}.{field.name} help_text", field.help_text
            for label in choice_labels(field.choices or []):
                yield f"{name}.{field.name} choice", label


def walk_block(block, where):
    if block.label:
        yield f"{where} label", block.label
    help_text = getattr(block.meta, "help_text", None)
    if help_text:
        yield f"{where} help_text", help_text
    if isinstance(block, blocks.ChoiceBlock):
        for label in choice_labels(block.field.choices):
            yield f"{where} choice", label
    if isinstance(block, blocks.ListBlock):
        yield from walk_block(block.child_block, f"{where}.item")
    for name, child in getattr(block, "child_blocks", {}).items():
        yield from walk_block(child, f"{where}.{name}")


def block_strings():
    for model in our_models():
        for field in model._meta.get_fields():
            if isinstance(field, StreamField) and field.model is model:
                yield from walk_block(field.stream_block, f"{model._meta.label}.{field.name}")


def untranslated_strings(strings):
    """Offence lines for the (where, text) pairs an editor would read in English.

    Chinese means: has a CJK character and, when the English text has words, differs
    from it (some English help texts quote Chinese examples, e.g. "e.g. 年初").
    """
    offences = []
    for where, text in strings:
        with translation.override("en"):
            english = str(text)
        with translation.override(LANGUAGE):
            chinese = str(text)
        if not is_chinese(chinese) or (chinese == english and re.search(r"[A-Za-z]", english)):
            offences.append(f"{where}: {chinese!r}")
    return offences


def test_model_labels_help_texts_and_choices_are_chinese():
    strings = list(model_strings())
    assert len(strings) > 100, "too few model strings found: has the walk broken?"
    offences = untranslated_strings(strings)
    assert not offences, offences_message("model strings", offences)


def test_streamfield_block_labels_and_help_texts_are_chinese():
    strings = list(block_strings())
    assert strings, "no StreamField blocks found: has the walk broken?"
    offences = untranslated_strings(strings)
    assert not offences, offences_message("block strings", offences)


# --- the installed packages' admin catalogues ------------------------------------------


def package_catalogues(domain):
    """English catalogues of the installed apps that are not ours: Wagtail and its contrib apps, taggit..."""
    for app_config in apps.get_app_configs():
        if app_config.name.split(".")[0] in OUR_APPS:
            continue
        path = Path(app_config.path) / "locale" / "en" / "LC_MESSAGES" / f"{domain}.po"
        if path.exists():
            yield app_config.name, path


def untranslated(label, entry, translate):
    """An offence line when `translate(entry)` (one string or plural forms) is still English."""
    if needs_no_translation(entry.msgid):
        return None
    result = translate(entry)
    forms = result if isinstance(result, list) else [result]
    english = {entry.msgid, entry.msgid_plural} - {""}
    if not result or any(not form or form in english for form in forms):
        context = f"[{entry.msgctxt}] " if entry.msgctxt else ""
        return f"{label}: {context}{entry.msgid!r}"
    return None


def gettext_entry(entry):
    if entry.msgid_plural:
        # Both counts: zh has one plural form, so both must be the translation.
        if entry.msgctxt:
            return [translation.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n) for n in (1, 2)]
        return [translation.ngettext(entry.msgid, entry.msgid_plural, n) for n in (1, 2)]
    if entry.msgctxt:
        return translation.pgettext(entry.msgctxt, entry.msgid)
    return translation.gettext(entry.msgid)


def test_every_admin_message_of_the_installed_packages_is_translated():
    catalogues = list(package_catalogues("django"))
    assert any(label == "wagtail.admin" for label, _path in catalogues)
    offences = []
    with translation.override(LANGUAGE):
        for label, path in catalogues:
            for entry in polib.pofile(str(path)):
                if not entry.obsolete and (line := untranslated(label, entry, gettext_entry)):
                    offences.append(line)
    assert not offences, offences_message("admin messages", offences)


def wagtail_admin_js_catalogue():
    """The JavaScript catalogue as the admin serves it (JavaScriptCatalog, packages=["wagtail.admin"])."""
    with translation.override(LANGUAGE):
        response = JSONCatalog.as_view(packages=["wagtail.admin"])(RequestFactory().get("/"))
    return json.loads(response.content)["catalog"]


def test_every_message_of_the_admin_javascript_catalogue_is_translated():
    catalogue = wagtail_admin_js_catalogue()

    def lookup(entry):
        return catalogue.get(f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid)

    offences = []
    for label, path in package_catalogues("djangojs"):
        for entry in polib.pofile(str(path)):
            if not entry.obsolete and (line := untranslated(label, entry, lookup)):
                offences.append(line)
    assert not offences, offences_message("JavaScript messages", offences)


@pytest.mark.parametrize(
    "msgid",
    [
        "The page could not be created due to validation errors.",
        "The page could not be saved due to validation errors.",
        "Autosave is paused",
    ],
)
def test_messages_missing_from_wagtails_catalogue_come_out_in_chinese(msgid):
    with translation.override(LANGUAGE):
        text = translation.gettext(msgid)
    assert is_chinese(text)
    assert not re.search(r"[A-Za-z]", text), text


# --- our catalogues -------------------------------------------------------------------


def test_our_catalogues_are_compiled():
    """The committed .mo files match the .po files (a machine without gettext uses them as they are)."""
    stale = []
    for po_path in OUR_CATALOGUES:
        mo_path = po_path.with_suffix(".mo")
        assert mo_path.exists(), f"{mo_path} is missing: run scripts/update_translations.sh"
        compiled = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in polib.mofile(str(mo_path))}
        for entry in polib.pofile(str(po_path)).translated_entries():
            if compiled.get((entry.msgctxt, entry.msgid)) != (entry.msgstr, entry.msgstr_plural):
                stale.append(f"{po_path.relative_to(settings.BASE_DIR)}: {entry.msgid!r}")
    assert not stale, "Compile the catalogues (scripts/update_translations.sh):\n" + "\n".join(stale)


def test_a_message_shared_by_our_catalogues_has_one_translation():
    """gettext keeps one translation per message: the first app's wins, the others' never show."""
    seen = {}
    for po_path in OUR_CATALOGUES:
        for entry in polib.pofile(str(po_path)).translated_entries():
            catalogue = str(po_path.relative_to(settings.BASE_DIR))
            seen.setdefault((entry.msgctxt, entry.msgid), {})[catalogue] = entry.msgstr or entry.msgstr_plural.get(0)
    conflicts = [f"{key[1]!r}: {found}" for key, found in seen.items() if len(set(found.values())) > 1]
    assert not conflicts, "Translate these the same way everywhere:\n" + "\n".join(conflicts)


# --- the admin as it renders ------------------------------------------------------------


@pytest.fixture
def admin_client(db):
    user = get_user_model().objects.create_superuser("admin", "admin@example.com", "password")
    client = Client()
    client.force_login(user)
    return client


def test_dashboard_is_in_chinese(admin_client, home_page):
    response = admin_client.get(reverse("wagtailadmin_home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'<html[^>]*\blang="zh-hans"', html)
    assert "控制面板" in html  # "Dashboard"
    for english in [
        "Dashboard",
        "JavaScript is required",  # the <noscript> warning
        "Wagtail upgrade available",
        "editor guide",
        "Search all pages",
        "created in",  # the site summary ("12 Pages created in ...")
    ]:
        assert english not in html


def test_page_validation_error_is_reported_in_chinese(admin_client, news_index):
    url = reverse("wagtailadmin_pages:add", args=("news", "newspage", news_index.pk))
    data = querydict_from_html(admin_client.get(url).content.decode(), form_id="page-edit-form")
    data["title"] = ""  # required: the page cannot be created
    data["body-count"] = "0"
    response = admin_client.post(url, data)
    html = response.content.decode()
    with translation.override(LANGUAGE):
        expected = translation.gettext("The page could not be created due to validation errors.")
    assert expected in html
    assert "could not be created" not in html


def test_admin_javascript_catalogue_is_served_in_chinese(admin_client):
    response = admin_client.get(reverse("wagtailadmin_javascript_catalog"))
    assert response.status_code == 200
    content = response.content.decode()
    expected = wagtail_admin_js_catalogue()["Autosave in progress…"]
    assert is_chinese(expected)
    assert expected in content or json.dumps(expected)[1:-1] in content
