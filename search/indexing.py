"""Keeping the search index current: the outbox, the work it asks for, and the sweep.

A change to a page (publish, unpublish, move, delete, privacy) records durable
intent in the same transaction (`request_update`): one PendingIndexUpdate row
per page. When the transaction commits, a Celery task is queued to do the work
(`update_pages`). If the broker cannot take it, the row stays, and the sweep
that celery beat runs every minute does the work later. The work is idempotent:
it reads each page as it is at that moment and writes or removes its document,
so repeated or coalesced requests end in the same state.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.core.cache import cache
from django.db.models import F
from django.utils import timezone
from wagtail.models import Page

from cms import outbox
from cms.signals import mark_content_changed
from search.documents import DOCUMENT_MODELS, documents_for
from search.engine import SearchError, get_engine
from search.models import PendingIndexUpdate

logger = logging.getLogger(__name__)

# Pages per queued task and per sweep round.
CHUNK_SIZE = 200
# Requests younger than this are left to the task that was queued for them.
SWEEP_GRACE_SECONDS = 30
# Set in the shared cache while a full rebuild runs (see rebuild()).
REBUILDING_KEY = "search:rebuilding"
REBUILD_FLAG_SECONDS = 3 * 3600


def affected_pages(page: Page, *, with_descendants: bool = True) -> list[int]:
    """Ids of `page` and the searched pages below it: what a change to `page` can alter."""
    if not with_descendants or page.numchild == 0:
        return [page.pk]
    below = Page.objects.descendant_of(page).type(*DOCUMENT_MODELS).values_list("pk", flat=True)
    return [page.pk, *below]


def request_update(page_ids: Iterable[int]) -> None:
    """Record that these pages' documents must be brought up to date, and queue the work on commit."""
    ids = outbox.record(PendingIndexUpdate, page_ids)
    for start in range(0, len(ids), CHUNK_SIZE):
        chunk = ids[start : start + CHUNK_SIZE]
        outbox.send_on_commit(lambda chunk=chunk: _send(chunk), f"Search index update for pages {chunk}")


def _send(ids: list[int]) -> None:
    from search.tasks import update_search_index

    update_search_index.delay(ids)


def update_pages(page_ids: Iterable[int]) -> int:
    """Write the documents of these pages as they are now, remove those readers may no longer see.

    Clears each page's outbox row unless a newer request came in meanwhile.
    Returns the number of documents written. Raises SearchError if the engine
    cannot be reached (the rows stay for a retry).
    """
    ids = sorted(set(page_ids))
    if not ids:
        return 0
    started = timezone.now()
    documents = documents_for(ids)
    engine = get_engine()
    try:
        written = engine.index(documents)
        engine.delete(set(ids) - {doc.page_id for doc in documents})
    except SearchError as error:
        PendingIndexUpdate.objects.filter(page_id__in=ids).update(attempts=F("attempts") + 1, last_error=str(error))
        raise
    if not cache.get(REBUILDING_KEY):
        PendingIndexUpdate.objects.filter(page_id__in=ids, requested_at__lte=started).delete()
    # The API stores search answers under the content version: start a new one.
    mark_content_changed()
    return written


def sweep(limit: int | None = None) -> int:
    """Do the outstanding work whose task never ran (broker down, worker killed); return pages done."""
    ids = outbox.due(PendingIndexUpdate, SWEEP_GRACE_SECONDS, limit)
    for start in range(0, len(ids), CHUNK_SIZE):
        update_pages(ids[start : start + CHUNK_SIZE])
    return len(ids)


def rebuild(progress=None) -> int:
    """Replace the whole index with the documents of every page readers may see.

    Changes made while it runs may be written to the index being replaced (an
    Elasticsearch rebuild loads a new index beside it), so their outbox rows are
    kept until the rebuild is done and then worked off. Requests older than the
    rebuild are simply dropped: it read those pages afresh.
    """
    from search.documents import iter_documents

    started = timezone.now()
    cache.set(REBUILDING_KEY, True, timeout=REBUILD_FLAG_SECONDS)
    try:
        count = get_engine().rebuild(iter_documents(), progress=progress)
    finally:
        cache.delete(REBUILDING_KEY)
    PendingIndexUpdate.objects.filter(requested_at__lte=started).delete()
    changed = list(PendingIndexUpdate.objects.values_list("page_id", flat=True))
    for start in range(0, len(changed), CHUNK_SIZE):
        update_pages(changed[start : start + CHUNK_SIZE])
    mark_content_changed()
    return count
