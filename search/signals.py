"""What changes a page's search document, wired to the outbox (search/indexing.py).

Pages never import search; this module listens to Wagtail's and Django's
signals instead. Each receiver names the pages a change can alter, including
the pages below a section that was unpublished, moved or made private.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

from news.models import Category, NewsPage
from search.indexing import affected_pages, request_update
from yearbook.models import ChronicleCategory, ChronicleEntryPage


@receiver([page_published, page_unpublished], dispatch_uid="search.page_published_or_unpublished")
def page_visibility_changed(sender, instance, **kwargs):
    request_update(affected_pages(instance))


@receiver(post_page_move, dispatch_uid="search.page_moved")
def page_moved(sender, instance, **kwargs):
    # Addresses (and perhaps the site) of the page and everything below it changed.
    request_update(affected_pages(Page.objects.get(pk=instance.pk)))


@receiver(post_delete, dispatch_uid="search.page_deleted")
def page_deleted(sender, instance, **kwargs):
    # Django sends this for each table of a page (the specific one and Page); the
    # outbox keeps one row per page. Pages below are deleted too and come here each.
    if isinstance(instance, Page):
        request_update([instance.pk])


@receiver([post_save, post_delete], sender=PageViewRestriction, dispatch_uid="search.privacy_changed")
def privacy_changed(sender, instance, raw=False, **kwargs):
    if raw:  # loading fixtures: pages may not be there yet; a rebuild follows a load
        return
    page = Page.objects.filter(pk=instance.page_id).first()
    if page is not None:
        request_update(affected_pages(page))


@receiver(post_save, sender=Site, dispatch_uid="search.site_saved")
def site_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    # A new root page or host changes which site, and which address, every page below has.
    request_update(affected_pages(instance.root_page))


@receiver(post_save, sender=Category, dispatch_uid="search.news_category_saved")
def news_category_saved(sender, instance, created, raw=False, **kwargs):
    if not created and not raw:
        request_update(NewsPage.objects.filter(category=instance).values_list("pk", flat=True))


@receiver(post_save, sender=ChronicleCategory, dispatch_uid="search.chronicle_category_saved")
def chronicle_category_saved(sender, instance, created, raw=False, **kwargs):
    if not created and not raw:
        request_update(ChronicleEntryPage.objects.filter(category=instance).values_list("pk", flat=True))
