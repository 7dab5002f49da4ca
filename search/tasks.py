"""Celery tasks of reader search. They take page ids and are idempotent (see search/indexing.py)."""

from celery import shared_task

from search import indexing
from search.engine import SearchError


@shared_task(
    name="search.tasks.update_search_index",
    autoretry_for=(SearchError,),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=8,
)
def update_search_index(page_ids):
    """Bring these pages' search documents up to date."""
    return indexing.update_pages(page_ids)


@shared_task(name="search.tasks.sweep_index_outbox")
def sweep_index_outbox():
    """Do index work whose task never ran (broker outage, killed worker)."""
    return indexing.sweep()
