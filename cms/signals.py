"""Changes to what readers see, and the record of the latest one: the content version.

The API's stored responses (cms/api/http.py) are filed under the content version.
Any change that can alter an API answer starts a new version, so every stored
response is stale at once: it is never read again and expires on its own. The
version and the time of the change are kept in the cache without a timeout; if the
cache is flushed, the stored responses go with it and a new version starts.

Receivers are connected by CmsConfig.ready(). They mark the change at once (so the
same transaction, and a test inside one, reads fresh answers) and again when the
transaction commits: until then other connections still read the old rows and may
store them under the new version.
"""

import logging
import math
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from redis.exceptions import RedisError
from taggit.models import TagBase
from wagtail.contrib.settings.models import BaseGenericSetting, BaseSiteSetting
from wagtail.documents.models import AbstractDocument
from wagtail.images.models import AbstractImage
from wagtail.models import CollectionViewRestriction, Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_unpublished, post_page_move
from wagtail.snippets.models import get_snippet_models

logger = logging.getLogger(__name__)

# What a cache that cannot be reached raises (Redis, or a socket).
CACHE_ERRORS = (RedisError, OSError)

# Apps whose every model is content: page types and what hangs off them
# (orderables, tags, snippets, settings). A new content app belongs here.
CONTENT_APPS = {"home", "news", "yearbook"}
# Models from elsewhere whose rows show in API answers. Image renditions are not
# among them: they are made while answering.
CONTENT_MODELS = (
    Page,
    Site,
    PageViewRestriction,
    CollectionViewRestriction,
    AbstractImage,
    AbstractDocument,
    BaseSiteSetting,
    BaseGenericSetting,
    TagBase,
)
# Page fields that saving a draft, locking or commenting changes; no API answer shows them.
DRAFT_FIELDS = frozenset(
    {
        "latest_revision",
        "latest_revision_created_at",
        "draft_title",
        "has_unpublished_changes",
        "locked",
        "locked_at",
        "locked_by",
        "wagtail_admin_comments",
    }
)


def api_cache_key(*parts) -> str:
    """A key in the API's namespace of the cache (API_CACHE_KEY_PREFIX)."""
    return ":".join([settings.API_CACHE_KEY_PREFIX, *map(str, parts)])


def _new_state() -> tuple[str, int]:
    # A random version needs no read-modify-write, so two changes at once cannot share
    # one. The change time is rounded up to the next second: a response served in the
    # same second as the change is then older than the change (see cms/api/http.py).
    return uuid.uuid4().hex, math.floor(time.time()) + 1


def content_state() -> tuple[str, int]:
    """The current content version and when content last changed (seconds since the epoch)."""
    key = api_cache_key("content")
    state = cache.get(key)
    if state is None:
        cache.add(key, _new_state(), timeout=None)
        state = cache.get(key) or _new_state()
    return state


def mark_content_changed() -> None:
    """Start a new content version: every stored API response is stale from now on.

    Content changes call this through the receivers below; code that changes content
    without model signals (bulk inserts, a search index the API reads) calls it itself.
    """
    try:
        cache.set(api_cache_key("content"), _new_state(), timeout=None)
    except CACHE_ERRORS:
        # An editor's publish must not fail because the cache is down; stored
        # responses still expire after API_RESPONSE_CACHE_TIMEOUT.
        logger.warning("Could not mark API content as changed", exc_info=True)


def is_content(instance) -> bool:
    """True when rows like `instance` show in API answers."""
    return (
        isinstance(instance, CONTENT_MODELS)
        or instance._meta.app_label in CONTENT_APPS
        or type(instance) in get_snippet_models()
    )


def content_changed(using=None) -> None:
    """Mark content changed now, and again when the surrounding transaction commits."""
    mark_content_changed()
    if transaction.get_connection(using).in_atomic_block:
        transaction.on_commit(mark_content_changed, using=using)


@receiver([page_published, page_unpublished, post_page_move], dispatch_uid="cms.signals.page_changed")
def page_changed(sender, instance, **kwargs):
    content_changed()


@receiver(post_save, dispatch_uid="cms.signals.model_saved")
def model_saved(sender, instance, update_fields=None, using=None, **kwargs):
    if isinstance(instance, Page) and update_fields and update_fields <= DRAFT_FIELDS:
        return
    if is_content(instance):
        content_changed(using)


@receiver(post_delete, dispatch_uid="cms.signals.model_deleted")
def model_deleted(sender, instance, using=None, **kwargs):
    if is_content(instance):
        content_changed(using)
