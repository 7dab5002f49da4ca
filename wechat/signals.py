"""Publishing a news item marked "publish to WeChat" asks for its sync (wechat/sync.py).

Pages never import wechat; this module listens to Wagtail's signals instead.
"""

from django.dispatch import receiver
from wagtail.signals import page_published

from news.models import NewsPage
from wechat.sync import configured, request_sync


@receiver(page_published, dispatch_uid="wechat.news_page_published")
def news_page_published(sender, instance, revision=None, **kwargs):
    if isinstance(instance, NewsPage) and instance.publish_to_wechat and configured():
        request_sync(instance.pk, revision.pk if revision else None)
