"""News columns (栏目, e.g. 工作动态) and their news items."""

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.fields import RichTextField, StreamField
from wagtail.images.api.fields import ImageRenditionField
from wagtail.models import Orderable, Page
from wagtail.search import index
from wagtail.snippets.models import register_snippet

from cms.pages import (
    CategoryField,
    HeadlessPreviewMixin,
    PublicPageListField,
    ReadableSlugMixin,
    local_today,
    title_panel_without_slug_sync,
)
from news.blocks import NewsBodyBlock

# WeChat's own limit for an article digest; kept here so a digest written in the
# CMS can be sent unchanged.
DIGEST_MAX_LENGTH = 120


@register_snippet
class Category(models.Model):
    """A category of news items, managed by editors in the admin (分类)."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    slug = models.SlugField(_("slug"), max_length=50, unique=True, allow_unicode=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("description"), FieldPanel("sort_order")]

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("news category")
        verbose_name_plural = _("news categories")

    def __str__(self):
        return self.name


class NewsIndexPage(HeadlessPreviewMixin, ReadableSlugMixin, Page):
    """A news column (栏目), e.g. 工作动态, 通知公告, 活动预告."""

    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    parent_page_types = ["home.HomePage"]
    subpage_types = ["news.NewsPage"]

    content_panels = Page.content_panels + [FieldPanel("intro")]

    api_fields = [APIField("intro")]

    class Meta:
        verbose_name = _("news column")
        verbose_name_plural = _("news columns")


class NewsPageTag(TaggedItemBase):
    content_object = ParentalKey("news.NewsPage", on_delete=models.CASCADE, related_name="tagged_items")


class NewsPage(HeadlessPreviewMixin, ReadableSlugMixin, Page):
    """A news item (工作动态 and similar columns)."""

    date = models.DateField(
        _("publication date"),
        default=local_today,
        help_text=_("The date shown to readers; imported items keep their original date."),
    )
    source = models.CharField(
        _("contributed by"), max_length=100, blank=True, help_text=_("Who supplied the article (供稿).")
    )
    responsible_editor = models.CharField(
        _("responsible editor"), max_length=50, blank=True, help_text=_("The editor in charge (责编).")
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="news_pages",
    )
    tags = ClusterTaggableManager(_("tags"), through=NewsPageTag, blank=True)
    digest = models.CharField(
        _("digest"),
        max_length=DIGEST_MAX_LENGTH,
        blank=True,
        help_text=_("A summary of at most 120 characters, used in lists and on WeChat."),
    )
    cover_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("cover image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cover_alt_text = models.CharField(
        _("cover image alt text"),
        max_length=250,
        blank=True,
        help_text=_("Describe the cover image for readers who cannot see it."),
    )
    body = StreamField(NewsBodyBlock(), verbose_name=_("body"), blank=True)
    publish_to_wechat = models.BooleanField(
        _("publish to WeChat"),
        default=False,
        help_text=_("Also publish this item on the library's WeChat Official Account."),
    )

    parent_page_types = ["news.NewsIndexPage"]
    subpage_types = []

    search_fields = Page.search_fields + [
        index.SearchField("digest"),
        index.SearchField("body"),
        index.SearchField("source"),
        index.FilterField("date"),
    ]

    content_panels = [
        title_panel_without_slug_sync(),
        MultiFieldPanel(
            [
                FieldPanel("date"),
                FieldRowPanel([FieldPanel("source"), FieldPanel("responsible_editor")]),
                FieldRowPanel([FieldPanel("category"), FieldPanel("tags")]),
            ],
            heading=_("About this item"),
        ),
        FieldPanel("digest"),
        MultiFieldPanel([FieldPanel("cover_image"), FieldPanel("cover_alt_text")], heading=_("Cover")),
        FieldPanel("body"),
        InlinePanel("related_pages", label=_("Related page"), heading=_("Related pages")),
    ]
    promote_panels = Page.promote_panels + [
        MultiFieldPanel([FieldPanel("publish_to_wechat")], heading=_("WeChat")),
    ]

    # publish_to_wechat is an editor's instruction, not content: not in the API.
    api_fields = [
        APIField("date"),
        APIField("source"),
        APIField("responsible_editor"),
        APIField("category", serializer=CategoryField()),
        APIField("tags"),
        APIField("digest"),
        APIField("cover_image"),
        APIField("cover_image_thumbnail", serializer=ImageRenditionField("fill-320x240", source="cover_image")),
        APIField("cover_image_card", serializer=ImageRenditionField("fill-640x360", source="cover_image")),
        APIField("cover_image_large", serializer=ImageRenditionField("max-1600x1600", source="cover_image")),
        APIField("cover_alt_text"),
        APIField("body"),
        APIField("related_pages", serializer=PublicPageListField()),
    ]

    class Meta:
        verbose_name = _("news item")
        verbose_name_plural = _("news items")
        # Lists are ordered by date (newest first), with the id to break ties.
        indexes = [models.Index(fields=["date", "page_ptr"], name="news_date_idx")]

    def get_slug_base(self):
        # Date-based: readable, ASCII (shared links survive WeChat and e-mail),
        # and stable because it is generated once.
        date = self.date or local_today()
        if isinstance(date, str):  # set in code before the model cleaned it
            date = datetime.date.fromisoformat(date)
        if isinstance(date, datetime.datetime):
            date = date.date()
        return date.isoformat()


class NewsPageRelatedPage(Orderable):
    """A page shown as related to a news item, in the editor's order."""

    news_page = ParentalKey(NewsPage, on_delete=models.CASCADE, related_name="related_pages")
    page = models.ForeignKey("wagtailcore.Page", verbose_name=_("page"), on_delete=models.CASCADE, related_name="+")

    panels = [FieldPanel("page")]

    class Meta(Orderable.Meta):
        verbose_name = _("related page")
        verbose_name_plural = _("related pages")
