"""List the admin strings editors would see in English, and maintain cms/locale.

The admin runs in Simplified Chinese (LANGUAGE_CODE = "zh-hans"), but the
zh_Hans catalogues shipped with Wagtail lack a few hundred of its strings.
cms/locale, the only entry of LOCALE_PATHS (so it takes precedence over every
installed app's catalogue), supplies them. Its django.po holds two kinds of
entries, told apart by their "#:" references:

* the supplement: strings of Wagtail and the other installed packages that the
  package's own zh_Hans catalogue does not translate; references start with the
  package's path (wagtail/admin/..., django_filters/...). djangojs.po holds only
  supplement entries (the admin's JavaScript catalogue, packages=["wagtail.admin"]);
* the cms app's own strings (cms/*.py, cms/templates); references start with "cms/".

The apps home, news and yearbook keep their strings in <app>/locale as usual.

Because one msgid has one translation per language, a string of ours that is
also a Wagtail string (e.g. "Image") must be translated as Wagtail translates it.

Maintenance
-----------
After upgrading Wagtail or Django, or adding a package to INSTALLED_APPS::

    python manage.py missing_admin_translations           # what would show in English?
    python manage.py missing_admin_translations --write   # add empty entries to cms/locale

then translate the new entries (empty msgstr) of cms/locale/zh_Hans/LC_MESSAGES/
django.po and djangojs.po in Wagtail's terms (页面, 发布, 草稿, 修订, 工作流, 审核,
片段, 别名 ...), keeping every placeholder, and run scripts/update_translations.sh.

After changing the strings of our own models, blocks or templates, run
scripts/update_translations.sh. It runs makemessages for home, news and
yearbook; extracts cms's own strings with makemessages in a temporary copy of
cms/ and merges them into cms/locale with ``--merge-own``, which keeps the
supplement; and compiles every catalogue with compilemessages. Translate what it
added (entries with an empty msgstr or marked "#, fuzzy"), run it again to
compile, and run tests/cms/test_translations.py.

Never run makemessages inside cms/ itself (it would mark the supplement
obsolete), nor in an app without a locale/ directory (its strings would go to
cms/locale, the default locale path).

polib is a development dependency (requirements-dev.txt): it is imported inside
handle() so that production, which does not install it, can still load the
command list.
"""

from pathlib import Path

import django
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

DOMAINS = ("django", "djangojs")
# References of cms's own strings start with this; anything else is supplement.
OWN_PREFIX = "cms/"
HEADER_COMMENT = (
    "Simplified Chinese strings of the library CMS (LOCALE_PATHS; takes precedence over\n"
    "the installed apps' catalogues): the cms app's own strings and the strings that\n"
    "Wagtail's and other packages' zh_Hans catalogues lack.\n"
    "Maintained with `manage.py missing_admin_translations` and scripts/update_translations.sh."
)


def entry_key(entry):
    return (entry.msgctxt, entry.msgid)


def is_translated(entry):
    """True when gettext would use the entry: not obsolete, not fuzzy, every form filled."""
    if entry.obsolete or "fuzzy" in entry.flags:
        return False
    if entry.msgid_plural:
        return bool(entry.msgstr_plural) and all(entry.msgstr_plural.values())
    return bool(entry.msgstr)


def is_own(occurrence):
    return occurrence[0].startswith(OWN_PREFIX)


def package_path(path):
    """A package directory as a path from its top-level package: wagtail/admin, django/conf."""
    top = path
    while (top.parent / "__init__.py").exists():
        top = top.parent
    return path.relative_to(top.parent).as_posix()


class Command(BaseCommand):
    help = (
        "List the msgids of the installed packages' (Wagtail's, Django's, ...) catalogues that have no "
        "translation in the package's zh_Hans catalogue nor in cms/locale, for the domains django and "
        "djangojs; --write adds them as untranslated entries to cms/locale. See the module docstring."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--write",
            action="store_true",
            help="Append the missing msgids, untranslated, to cms/locale/<language>/LC_MESSAGES/<domain>.po.",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Exit with an error when a string lacks a translation (for CI).",
        )
        parser.add_argument(
            "--installed-only",
            action="store_true",
            help="Only look at installed apps; by default every Wagtail catalogue is included, so that "
            "enabling another wagtail.contrib app later shows no English either.",
        )
        parser.add_argument(
            "--merge-own",
            metavar="PO_FILE",
            help="Merge cms's own strings, extracted by makemessages into PO_FILE, into cms/locale's "
            "django.po, keeping the supplement (used by scripts/update_translations.sh).",
        )
        parser.add_argument("--language", default="zh_Hans", help="Locale to check (default: zh_Hans).")

    def handle(self, *args, **options):
        try:
            import polib
        except ImportError as exc:  # pragma: no cover - production does not install polib
            raise CommandError("This command needs polib: pip install -r requirements-dev.txt") from exc
        self.polib = polib
        self.language = options["language"]
        self.locale_dir = Path(settings.LOCALE_PATHS[0])

        if options["merge_own"]:
            self.merge_own(Path(options["merge_own"]))

        sources = self.sources(options["installed_only"])
        problems = 0
        for domain in DOMAINS:
            path = self.catalogue_path(domain)
            ours = self.load(path)
            translated_here = {entry_key(e) for e in ours if is_translated(e)}
            missing = self.find_missing(sources, domain, translated_here)
            problems += len(missing)
            self.stdout.write(f"{domain}: {len(missing)} package string(s) without a {self.language} translation")
            for (msgctxt, msgid), (_entry, labels) in missing.items():
                context = f"[{msgctxt}] " if msgctxt else ""
                text = msgid.replace("\n", "\\n")
                self.stdout.write(f"  {', '.join(labels)}: {context}{text}")
            if options["write"] and missing:
                added = self.write_stubs(path, ours, missing)
                self.stdout.write(f"  wrote {added} new untranslated entr{'y' if added == 1 else 'ies'} to {path}")

            own_untranslated = [
                e for e in ours if not e.obsolete and any(is_own(o) for o in e.occurrences) and not is_translated(e)
            ]
            if own_untranslated:
                problems += len(own_untranslated)
                self.stdout.write(f"{domain}: {len(own_untranslated)} of cms's own string(s) without a translation")
                for entry in own_untranslated:
                    self.stdout.write(f"  cms: {entry.msgid}")

        if options["check"] and problems:
            raise CommandError(f"{problems} string(s) would show in English under {self.language}.")

    # --- catalogues ----------------------------------------------------------

    def catalogue_path(self, domain):
        return self.locale_dir / self.language / "LC_MESSAGES" / f"{domain}.po"

    def load(self, path):
        """Our catalogue at `path`, or a new empty one with the right headers."""
        if path.exists():
            return self.polib.pofile(str(path))
        catalogue = self.polib.POFile()
        catalogue.header = HEADER_COMMENT
        catalogue.metadata = {
            "Project-Id-Version": "library-cms",
            "Report-Msgid-Bugs-To": "",
            "PO-Revision-Date": timezone.now().strftime("%Y-%m-%d %H:%M%z"),
            "Last-Translator": "library-cms editors",
            "Language-Team": "Chinese (Simplified)",
            "Language": self.language,
            "MIME-Version": "1.0",
            "Content-Type": "text/plain; charset=UTF-8",
            "Content-Transfer-Encoding": "8bit",
            "Plural-Forms": "nplurals=1; plural=0;",
        }
        return catalogue

    def save(self, catalogue, path):
        path.parent.mkdir(parents=True, exist_ok=True)
        catalogue.save(str(path))

    def sources(self, installed_only):
        """(label, package directory) of each package whose catalogues the admin loads."""
        base_dir = Path(settings.BASE_DIR).resolve()
        found = {"django": Path(django.__file__).resolve().parent / "conf"}  # Django's own django/conf/locale
        for app_config in apps.get_app_configs():
            path = Path(app_config.path).resolve()
            ours = path.is_relative_to(base_dir) and "site-packages" not in path.parts
            if not ours and (path / "locale").is_dir():
                found[app_config.name] = path
        if not installed_only:
            import wagtail

            root = Path(wagtail.__file__).resolve().parent
            for locale_dir in sorted(root.glob("**/locale")):
                label = ".".join(("wagtail", *locale_dir.parent.relative_to(root).parts))
                found.setdefault(label, locale_dir.parent)
        return list(found.items())

    def languages(self):
        """The catalogue directories gettext tries for the language: zh_Hans, then zh."""
        return [self.language, self.language.split("_")[0]] if "_" in self.language else [self.language]

    def reference_entries(self, package_dir, domain):
        """Every msgid of a package: its English catalogue, else the union of its other catalogues."""
        locale_dir = package_dir / "locale"
        english = locale_dir / "en" / "LC_MESSAGES" / f"{domain}.po"
        paths = [english] if english.exists() else sorted(locale_dir.glob(f"*/LC_MESSAGES/{domain}.po"))
        entries = {}
        for path in paths:
            for entry in self.polib.pofile(str(path)):
                if not entry.obsolete and entry.msgid:
                    entries.setdefault(entry_key(entry), entry)
        return entries

    def package_translations(self, package_dir, domain):
        """Keys the package's own catalogues translate (the compiled .mo is what gettext uses)."""
        keys = set()
        for language in self.languages():
            messages = package_dir / "locale" / language / "LC_MESSAGES"
            if (messages / f"{domain}.mo").exists():
                catalogue = self.polib.mofile(str(messages / f"{domain}.mo"))
            elif (messages / f"{domain}.po").exists():
                catalogue = self.polib.pofile(str(messages / f"{domain}.po"))
            else:
                continue
            keys.update(entry_key(e) for e in catalogue if e.msgid and is_translated(e))
        return keys

    def find_missing(self, sources, domain, translated_here):
        """{key: (reference entry, [package labels])} of the strings nobody translates."""
        missing = {}
        for label, package_dir in sources:
            reference = self.reference_entries(package_dir, domain)
            if not reference:
                continue
            translated = self.package_translations(package_dir, domain) | translated_here
            prefix = "django" if label == "django" else package_path(package_dir)
            for key, entry in reference.items():
                if key in translated:
                    continue
                # References without line numbers, from the package's top directory.
                occurrences = [(f"{prefix}/{file}", "") for file, _line in entry.occurrences] or [(prefix, "")]
                if key in missing:
                    first, labels = missing[key]
                    first.occurrences += occurrences
                    labels.append(label)
                else:
                    entry.occurrences = occurrences
                    missing[key] = (entry, [label])
        return missing

    def find(self, catalogue, entry):
        """Our entry with the same msgctxt and msgid, obsolete or not."""
        for candidate in catalogue:
            if candidate.msgid == entry.msgid and candidate.msgctxt == entry.msgctxt:
                return candidate
        return None

    def new_entry(self, model, occurrences):
        entry = self.polib.POEntry(
            msgid=model.msgid,
            msgctxt=model.msgctxt,
            msgstr="",
            occurrences=occurrences,
            flags=[flag for flag in model.flags if flag != "fuzzy"],
            comment=model.comment,
        )
        if model.msgid_plural:
            entry.msgid_plural = model.msgid_plural
            entry.msgstr_plural = {0: ""}  # nplurals=1
        return entry

    def write_stubs(self, path, catalogue, missing):
        added = 0
        for model, _labels in missing.values():
            occurrences = list(dict.fromkeys(model.occurrences))
            existing = self.find(catalogue, model)
            if existing is not None:  # an untranslated or obsolete entry: revive it, refresh its references
                existing.obsolete = False
                existing.occurrences = list(dict.fromkeys(existing.occurrences + occurrences))
                continue
            catalogue.append(self.new_entry(model, occurrences))
            added += 1
        self.save(catalogue, path)
        return added

    # --- cms's own strings -----------------------------------------------------

    def merge_own(self, extracted_path):
        """Make the cms entries of our django.po match a fresh extraction, keeping the supplement."""
        if not extracted_path.exists():
            raise CommandError(f"{extracted_path} does not exist.")
        path = self.catalogue_path("django")
        ours = self.load(path)
        seen = set()
        added = 0
        for entry in self.polib.pofile(str(extracted_path)):
            if entry.obsolete or not entry.msgid:
                continue
            seen.add(entry_key(entry))
            occurrences = [(OWN_PREFIX + file.removeprefix("./"), "") for file, _line in entry.occurrences]
            existing = self.find(ours, entry)
            if existing is None:
                ours.append(self.new_entry(entry, occurrences))
                added += 1
                continue
            existing.obsolete = False
            existing.occurrences = [o for o in existing.occurrences if not is_own(o)] + occurrences
            existing.flags = list(dict.fromkeys(existing.flags + [f for f in entry.flags if f != "fuzzy"]))
            existing.comment = existing.comment or entry.comment
        removed = 0
        for entry in ours:
            if entry.obsolete or entry_key(entry) in seen or not any(is_own(o) for o in entry.occurrences):
                continue
            entry.occurrences = [o for o in entry.occurrences if not is_own(o)]
            if not entry.occurrences:  # no longer used anywhere: keep it as an obsolete entry
                entry.obsolete = True
                removed += 1
        self.save(ours, path)
        self.stdout.write(f"cms: {added} new and {removed} obsolete own string(s) in {path}")
