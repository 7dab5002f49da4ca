"""Celery tasks of the WeChat channel. They take page ids and are idempotent (see wechat/sync.py)."""

from celery import shared_task

from wechat import sync
from wechat.errors import WeChatTransientError


@shared_task(
    name="wechat.tasks.sync_to_wechat",
    autoretry_for=(WeChatTransientError,),
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=6,
)
def sync_to_wechat(page_id):
    """Bring news item `page_id`'s WeChat article up to date and submit it for publishing."""
    return sync.run_request(page_id)


@shared_task(name="wechat.tasks.sweep_wechat_outbox")
def sweep_wechat_outbox():
    """Run WeChat syncs whose task never ran (broker outage, killed worker)."""
    return sync.sweep()


@shared_task(name="wechat.tasks.poll_wechat_publish_status")
def poll_wechat_publish_status():
    """Ask WeChat for publishing results whose PUBLISHJOBFINISH event did not arrive."""
    return sync.poll_publish_status()
