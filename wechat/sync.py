"""Keeping news items' WeChat articles in step with the CMS: the outbox, the sync, publish results.

Publishing a news item with "publish to WeChat" records a SyncRequest in the same transaction
(`request_sync`) and queues `wechat.tasks.sync_to_wechat` when it commits; the sweep runs
requests whose task never ran. `sync_page` renders the page, uploads its images, creates or
updates the draft and submits it; the PUBLISHJOBFINISH event or `poll_publish_status` then
brings the result (`apply_publish_result`).

Duplicate deliveries do no harm: a worker claims the ArticleSync row (a lease, so a killed
worker's claim expires), each WeChat answer is saved in its own committed step as soon as it
arrives, and a revision already submitted is not sent again.
"""

import hashlib
import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from cms import outbox
from news.models import NewsPage
from wechat import limits
from wechat.client import PublishStatus, WeChatApi
from wechat.errors import WeChatPermanentError, WeChatTransientError
from wechat.models import ArticleSync, SyncRequest, UploadedImageStore
from wechat.render import ImageUploader, UnusableImageError, image_source, prepare_body_image, render_article

logger = logging.getLogger(__name__)

State = ArticleSync.State

# Longer than a task may run (CELERY_TASK_TIME_LIMIT), so a claim outlives only a killed worker.
CLAIM_SECONDS = 6 * 60
# Requests younger than this are left to the task that was queued for them.
SWEEP_GRACE_SECONDS = 60
SWEEP_BATCH = 10
# Of WeChat's 100 freepublish/get calls a day, polling uses at most these; the rest stay for people.
POLL_BUDGET_PER_DAY = 80
POLL_BATCH = 10
# The event usually brings the result within minutes; jobs are polled only after this.
POLL_AFTER_SECONDS = 10 * 60

# What sync_page did; the task keeps the outbox row for BUSY and WAITING.
SKIPPED, UP_TO_DATE, BUSY, WAITING, SUBMITTED, FAILED = (
    "skipped",
    "up to date",
    "busy",
    "waiting",
    "submitted",
    "failed",
)

NO_COVER_MESSAGE = _("WeChat articles need a cover image: choose one under “Cover” and publish again.")
UNUSABLE_COVER_MESSAGE = _("The cover image cannot be read or made a JPG or PNG for WeChat. Choose another image.")
PUBLISH_STATUS_MESSAGES = {
    PublishStatus.ORIGINALITY_FAILED: _("WeChat did not publish the article: its originality check failed."),
    PublishStatus.FAILED: _("WeChat could not publish the article. Publish the page again to retry."),
    PublishStatus.REJECTED: _("WeChat's review rejected the article. Check its content in the WeChat admin."),
    PublishStatus.DELETED: _("The article was deleted from the Official Account after it was published."),
    PublishStatus.BANNED: _("WeChat banned the article after it was published."),
}
_REJECTED_STATUSES = {PublishStatus.REJECTED, PublishStatus.BANNED}


def configured():
    """Whether the single-site WeChat account is set up (WECHAT_APP_ID and WECHAT_APP_SECRET)."""
    return bool(settings.WECHAT_APP_ID and settings.WECHAT_APP_SECRET)


def _chinese(message):
    """The editors' text of a message: rows keep it as text, in the admin's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(message)


# --- The outbox -------------------------------------------------------------------------------


def request_sync(page_id, revision_id=None):
    """Record that page `page_id` must go to WeChat, and queue the work when the transaction commits."""
    outbox.record(SyncRequest, [page_id], revision_id=revision_id)
    outbox.send_on_commit(lambda: _send(page_id), f"WeChat sync of page {page_id}")


def _send(page_id):
    from wechat.tasks import sync_to_wechat

    sync_to_wechat.delay(page_id)


def run_request(page_id):
    """Sync the page, then clear its outbox row unless a newer request came meanwhile or the work waits."""
    started = timezone.now()
    outcome = sync_page(page_id)
    if outcome in (BUSY, WAITING):
        # To the back of the sweep's queue, so that waiting items do not hold up the others.
        SyncRequest.objects.filter(page_id=page_id).update(requested_at=timezone.now())
    else:
        SyncRequest.objects.filter(page_id=page_id, requested_at__lte=started).delete()
    return outcome


def sweep(limit=SWEEP_BATCH):
    """Run requests whose task never ran (broker down, worker killed); returns the pages tried."""
    ids = outbox.due(SyncRequest, SWEEP_GRACE_SECONDS, limit)
    for page_id in ids:
        try:
            run_request(page_id)
        except WeChatTransientError as exc:
            logger.warning("WeChat sync of page %s failed for now (%s); the next sweep retries", page_id, exc)
    return len(ids)


# --- Syncing a page ---------------------------------------------------------------------------


def sync_page(page_id, api=None):
    """Bring the WeChat article of news item `page_id` up to date with its live revision; returns what it did.

    WeChatTransientError propagates (the task retries); permanent errors and content problems
    are recorded on the ArticleSync row for the editors.
    """
    page = NewsPage.objects.filter(pk=page_id, live=True).first()
    if page is None or not page.publish_to_wechat or not configured():
        return SKIPPED
    outcome, sync = _claim(page)
    if sync is None:
        return outcome
    try:
        return _sync(sync, page, api or WeChatApi.from_settings())
    finally:
        ArticleSync.objects.filter(pk=sync.pk).update(claimed_until=None)


def _claim(page):
    now = timezone.now()
    with transaction.atomic():
        sync, _created = ArticleSync.objects.select_for_update().get_or_create(page=page)
        if sync.claimed_until and sync.claimed_until > now:
            return BUSY, None
        same_revision = sync.synced_revision_id == page.live_revision_id
        if same_revision and sync.state in (State.SUBMITTED, State.PUBLISHED):
            return UP_TO_DATE, None
        if sync.state == State.SUBMITTED:
            # A draft being published must not change: the new revision goes once the result is in.
            return WAITING, None
        sync.claimed_until = now + timedelta(seconds=CLAIM_SECONDS)
        sync.attempts += 1
        sync.save(update_fields=["claimed_until", "attempts", "updated_at"])
    return None, sync


def _save(sync, **fields):
    """Record WeChat's answer at once, in its own committed step."""
    for name, value in fields.items():
        setattr(sync, name, value)
    sync.save(update_fields=[*fields, "updated_at"])


def _fail(sync, message, errcode=None):
    _save(sync, state=State.FAILED, last_error=_chinese(message), last_errcode=errcode)
    return FAILED


def _sync(sync, page, api):
    if page.cover_image is None:
        return _fail(sync, NO_COVER_MESSAGE)
    store = UploadedImageStore(api.app_id)
    try:
        rendered = render_article(page, ImageUploader(api, store))
        if rendered.problems:
            return _fail(sync, "\n".join(_chinese(problem) for problem in rendered.problems))
        try:
            thumb_media_id = _cover_media_id(api, store, page.cover_image)
        except UnusableImageError as exc:
            logger.warning("Cover of page %s cannot go to WeChat: %s", page.pk, exc)
            return _fail(sync, UNUSABLE_COVER_MESSAGE)
        article = rendered.as_draft_article(thumb_media_id)
        # A draft of this very revision made by a run that stopped before submitting: submit it.
        if not (sync.state == State.DRAFTED and sync.synced_revision_id == page.live_revision_id and sync.media_id):
            _save(
                sync,
                media_id=_put_draft(api, sync, article),
                thumb_media_id=thumb_media_id,
                synced_revision_id=page.live_revision_id,
                state=State.DRAFTED,
                publish_id="",
                article_id="",
                article_url="",
            )
        _save(
            sync, publish_id=api.submit_publish(sync.media_id), state=State.SUBMITTED, last_error="", last_errcode=None
        )
        return SUBMITTED
    except WeChatPermanentError as exc:  # WeChatUnauthorizedError (e.g. 48001, unverified account) too
        logger.warning("WeChat refused page %s: %s", page.pk, exc)
        return _fail(sync, exc.message, exc.errcode)
    except WeChatTransientError as exc:
        _save(sync, last_error=_chinese(exc.message), last_errcode=exc.errcode)
        raise


def _put_draft(api, sync, article):
    """The media_id of a draft holding `article`: the item's draft updated while it is unpublished, else a new one."""
    if sync.media_id and sync.state != State.PUBLISHED:
        try:
            api.update_draft(sync.media_id, article)
            return sync.media_id
        except WeChatPermanentError as exc:
            if exc.errcode != 40007:
                raise
            logger.info("Draft %s of page %s is gone from WeChat; adding a new one", sync.media_id, sync.page_id)
    return api.add_draft(article)


def _cover_media_id(api, store, image):
    """The permanent media_id of the cover (a temporary one would expire: 40007), uploaded once per content."""
    data, filename = image_source(image)
    sha256 = hashlib.sha256(data).hexdigest()
    media_id = store.get_media_id(sha256)
    if not media_id:
        media_id = api.add_permanent_image(prepare_body_image(data), filename)
        store.set_media_id(sha256, media_id)
    return media_id


# --- Publish results --------------------------------------------------------------------------


def apply_publish_result(publish_id, status, article_id="", urls=()):
    """Record the outcome of publishing job `publish_id` (from the event or polling); False if no row has it."""
    sync = ArticleSync.objects.filter(publish_id=str(publish_id)).first()
    if sync is None:
        logger.info("WeChat publishing job %s belongs to no news item", publish_id)
        return False
    status = int(status)
    if status == PublishStatus.SUCCESS:
        _save(
            sync,
            state=State.PUBLISHED,
            article_id=article_id or "",
            article_url=next(iter(urls), ""),
            last_error="",
            last_errcode=None,
        )
    elif status in PUBLISH_STATUS_MESSAGES:
        state = State.REJECTED if status in _REJECTED_STATUSES else State.FAILED
        _save(sync, state=state, last_error=_chinese(PUBLISH_STATUS_MESSAGES[status]), last_errcode=None)
    else:  # still publishing
        _save(sync)
    return True


def _article_urls(detail):
    """The article URLs of a job's `article_detail`, in the draft's order (idx is text in events)."""
    items = (detail or {}).get("item") or []
    return [item.get("article_url", "") for item in sorted(items, key=lambda item: int(item.get("idx") or 0))]


def handle_publish_event(event):
    """The PUBLISHJOBFINISH handler: the event as wechat.crypto.parse_xml gives it."""
    info = event.get("PublishEventInfo") or {}
    urls = _article_urls(info.get("article_detail"))
    if info.get("publish_id") and str(info.get("publish_status", "")).isdigit():
        apply_publish_result(info["publish_id"], info["publish_status"], info.get("article_id", ""), urls)
    else:
        logger.warning("PUBLISHJOBFINISH event without publish_id or status: %r", info)


def _poll_budget_key(app_id):
    day = timezone.localdate(timezone=ZoneInfo(limits.QUOTA_TIMEZONE))
    return f"wechat:{app_id}:publish-status-polls:{day.isoformat()}"


def _count_poll(key):
    try:
        return cache.incr(key)
    except ValueError:  # the day's first poll (or the count was evicted)
        cache.set(key, 1, timeout=2 * 24 * 3600)
        return 1


def poll_publish_status(limit=POLL_BATCH, api=None):
    """Ask WeChat about jobs still publishing whose event did not come, oldest first, within the daily budget.

    Returns the number of jobs asked about.
    """
    if not configured():
        return 0
    api = api or WeChatApi.from_settings()
    key = _poll_budget_key(api.app_id)
    cutoff = timezone.now() - timedelta(seconds=POLL_AFTER_SECONDS)
    submitted = ArticleSync.objects.filter(state=State.SUBMITTED, updated_at__lte=cutoff).exclude(publish_id="")
    asked = 0
    for sync in submitted.order_by("updated_at")[:limit]:
        if _count_poll(key) > POLL_BUDGET_PER_DAY:  # counted before the call: a failed call counts too
            logger.info("WeChat publish status polling: today's budget of %s is used up", POLL_BUDGET_PER_DAY)
            break
        asked += 1
        try:
            result = api.get_publish_status(sync.publish_id)
        except WeChatTransientError as exc:
            logger.warning("WeChat publish status polling stopped: %s", exc)
            break
        except WeChatPermanentError as exc:
            _fail(sync, exc.message, exc.errcode)
            continue
        # Still publishing also touches updated_at, so the next round asks about others first.
        apply_publish_result(
            sync.publish_id,
            result["publish_status"],
            result.get("article_id", ""),
            _article_urls(result.get("article_detail")),
        )
    return asked
