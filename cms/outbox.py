"""The outbox pattern shared by the apps that act on page changes (search, wechat).

An app keeps one row per page in its own outbox model (a unique `page_id` and
a `requested_at`): durable intent written in the transaction that changed the
page. Its Celery task is sent when that transaction commits; if the broker
cannot take it, the row stays and the app's beat sweep does the work later.
The work itself is the app's, idempotent, and clears the row when done.
"""

import logging
from collections.abc import Callable, Iterable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)


def record(model, page_ids: Iterable[int], **fields) -> list[int]:
    """Upsert one row per page (now as `requested_at`, plus `fields`); return the sorted ids."""
    ids = sorted(set(page_ids))
    if ids:
        now = timezone.now()
        model.objects.bulk_create(
            [model(page_id=page_id, requested_at=now, **fields) for page_id in ids],
            update_conflicts=True,
            unique_fields=["page_id"],
            update_fields=["requested_at", *fields],
        )
    return ids


def send_on_commit(send: Callable[[], None], what: str) -> None:
    """Call `send` (which queues a task) once the transaction commits; a failure leaves the work to the sweep."""

    def guarded():
        try:
            send()
        except Exception:
            # The broker is down (or, run eagerly, the task failed): the editor's change
            # stands, and the outbox row stays for the sweep.
            logger.warning("%s not done now; the sweep will do it", what, exc_info=True)

    transaction.on_commit(guarded)


def due(model, grace_seconds: int, limit: int | None = None) -> list[int]:
    """Page ids of rows older than `grace_seconds` (younger ones still have their task on the way), oldest first."""
    cutoff = timezone.now() - timedelta(seconds=grace_seconds)
    ids = model.objects.filter(requested_at__lte=cutoff).order_by("requested_at").values_list("page_id", flat=True)
    return list(ids[:limit] if limit else ids)
