"""manage.py search_rebuild: rebuild the whole reader-search index from the pages."""

import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from search import indexing
from search.documents import searchable_pages
from search.engine import SearchError, get_engine


class Command(BaseCommand):
    help = "Rebuild the search index from every live, public page, in batches, and report documents per second."

    def handle(self, *args, **options):
        engine = get_engine()
        try:
            engine.ping()
        except SearchError as error:
            raise CommandError(f"The {engine.name} search engine cannot be reached: {error}") from error
        total = searchable_pages().count()
        started = time.perf_counter()
        with tqdm(total=total, desc="index", unit="doc", disable=options["verbosity"] == 0) as bar:
            try:
                count = indexing.rebuild(progress=bar.update)
            except SearchError as error:
                raise CommandError(f"Rebuild failed; readers still see the previous index: {error}") from error
        seconds = time.perf_counter() - started
        rate = count / seconds if seconds else 0.0
        self.stdout.write(
            self.style.SUCCESS(
                f"Indexed {count} documents with the {engine.name} engine in {seconds:.1f} s ({rate:.0f} documents/s)."
            )
        )
