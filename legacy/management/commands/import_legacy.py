"""manage.py import_legacy PATH_OR_DIR... — import old-site pages (text or HTML) into the CMS."""

import contextlib

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm
from wagtail.models import Site

from legacy.importer import ImportOptions, ImportResult, import_file, iter_page_files


class Command(BaseCommand):
    help = (
        "Import pages of the library's old website (copied text or saved HTML, UTF-8 or GBK) as news items, "
        "annual reports and chronicle entries. Safe to run again: unchanged pages are skipped, changed pages "
        "get a new revision. Imported pages are drafts unless --publish is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="Files or directories (walked recursively).")
        parser.add_argument("--column", default="", help="Put news items in this column (default: the breadcrumb's).")
        parser.add_argument(
            "--site", default="", help="Host name of the site to import into (default: the default site)."
        )
        parser.add_argument("--publish", action="store_true", help="Publish the imported pages (default: drafts).")
        parser.add_argument("--dry-run", action="store_true", help="Show what would happen; write nothing.")
        parser.add_argument(
            "--base-url",
            default="",
            help="The old site's address of the given directory, e.g. http://www.example.cn/ for a saved mirror; "
            "makes old addresses redirect to the new pages.",
        )

    def handle(self, *args, **options):
        site = self._site(options["site"])
        import_options = ImportOptions(
            site=site, column=options["column"], publish=options["publish"], base_url=options["base_url"]
        )
        files = list(iter_page_files(options["paths"]))
        missing = [str(path) for path, _ in files if not path.exists()]
        if missing:
            raise CommandError(f"Not found: {', '.join(missing)}")

        results = []
        # Each page is imported in a transaction of its own; a dry run wraps them all
        # in one that is rolled back.
        with transaction.atomic() if options["dry_run"] else contextlib.nullcontext():
            for path, root in tqdm(files, desc="import", unit="page", disable=options["verbosity"] == 0):
                try:
                    result = import_file(path, import_options, root=root)
                except Exception as error:  # one bad page must not stop the others
                    result = ImportResult(source=str(path), status="failed", reason=f"{type(error).__name__}: {error}")
                results.append(result)
                if options["verbosity"] > 1:
                    tqdm.write(f"{result.status}: {result.source}")
            if options["dry_run"]:
                transaction.set_rollback(True)
        self._summary(results, options["dry_run"])

    def _site(self, hostname):
        if not hostname:
            site = Site.objects.filter(is_default_site=True).first()
            if site is None:
                raise CommandError("There is no default site; run migrate first or give --site.")
            return site
        site = Site.objects.filter(hostname=hostname).first()
        if site is None:
            known = ", ".join(Site.objects.values_list("hostname", flat=True))
            raise CommandError(f"No site with host name {hostname!r} (known: {known}).")
        return site

    def _summary(self, results, dry_run):
        counts = dict.fromkeys(("created", "updated", "unchanged", "failed"), 0)
        for result in results:
            counts[result.status] += 1
        prefix = "Dry run, nothing written. Would have: " if dry_run else ""
        self.stdout.write(prefix + ", ".join(f"{count} {status}" for status, count in counts.items()))
        for result in results:
            if result.status in ("created", "updated"):
                extra = "".join(f", {count} {name}" for name, count in result.children.items())
                self.stdout.write(f"  {result.status} {result.kind} “{result.page.title}”{extra} <- {result.source}")
        for result in results:
            if result.status == "failed":
                self.stderr.write(f"  failed: {result.source}: {result.reason}")
