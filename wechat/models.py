"""The WeChat channel's tables: each news item's sync state, the sync outbox, images WeChat has."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ArticleSync(models.Model):
    """Where a news item stands on WeChat: its draft, publishing job and article, and the last error."""

    class State(models.TextChoices):
        PENDING = "pending", _("waiting to sync")
        DRAFTED = "drafted", _("in the WeChat draft box")
        SUBMITTED = "submitted", _("publishing")
        PUBLISHED = "published", _("published")
        FAILED = "failed", _("failed")
        REJECTED = "rejected", _("rejected by WeChat")

    page = models.OneToOneField(
        "news.NewsPage", on_delete=models.CASCADE, related_name="wechat_sync", verbose_name=_("news item")
    )
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.PENDING)
    media_id = models.CharField(_("draft media id"), max_length=128, blank=True)
    thumb_media_id = models.CharField(_("cover media id"), max_length=128, blank=True)
    publish_id = models.CharField(_("publishing job id"), max_length=64, blank=True, db_index=True)
    article_id = models.CharField(_("article id"), max_length=128, blank=True)
    article_url = models.URLField(_("article address"), max_length=500, blank=True)
    synced_revision = models.ForeignKey(
        "wagtailcore.Revision",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("synced revision"),
    )
    last_error = models.TextField(_("last error"), blank=True)
    last_errcode = models.IntegerField(_("last WeChat error code"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # Set while a worker syncs this item, so that a duplicate delivery of the task waits;
    # it expires by itself when that worker is killed.
    claimed_until = models.DateTimeField(_("sync in progress until"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("WeChat sync state")
        verbose_name_plural = _("WeChat sync states")
        indexes = [models.Index(fields=["state", "updated_at"])]

    def __str__(self):
        return f"page {self.page_id}: {self.state}"


class SyncRequest(models.Model):
    """Durable intent: "bring page N's WeChat article up to date" (one row per page).

    Written in the transaction that published the page, removed by the task that did
    the work; rows the broker never delivered are picked up by the sweep.
    """

    page_id = models.PositiveIntegerField(_("page id"), unique=True)
    revision_id = models.PositiveIntegerField(_("revision id"), null=True, blank=True)
    requested_at = models.DateTimeField(_("requested at"), db_index=True)

    class Meta:
        verbose_name = _("pending WeChat sync")
        verbose_name_plural = _("pending WeChat syncs")

    def __str__(self):
        return f"page {self.page_id}"


class UploadedImage(models.Model):
    """An image file WeChat already has, by the SHA-256 of its content, for one Official Account.

    `url` is its address as a body image (media/uploadimg), `media_id` its id as a permanent
    image (material/add_material, e.g. a cover); either is blank until uploaded that way.
    """

    app_id = models.CharField(_("AppID"), max_length=64)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    url = models.URLField(_("address"), max_length=500, blank=True)
    media_id = models.CharField(_("permanent media id"), max_length=128, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("image uploaded to WeChat")
        verbose_name_plural = _("images uploaded to WeChat")
        constraints = [models.UniqueConstraint(fields=["app_id", "sha256"], name="wechat_uploaded_image_unique")]

    def __str__(self):
        return self.sha256


class UploadedImageStore:
    """render.ImageStore over UploadedImage: body image URLs of one Official Account, kept in the database."""

    def __init__(self, app_id):
        self.app_id = app_id

    def get(self, sha256):
        return (
            UploadedImage.objects.filter(app_id=self.app_id, sha256=sha256)
            .exclude(url="")
            .values_list("url", flat=True)
            .first()
        )

    def set(self, sha256, url):
        UploadedImage.objects.update_or_create(app_id=self.app_id, sha256=sha256, defaults={"url": url})

    def get_media_id(self, sha256):
        return (
            UploadedImage.objects.filter(app_id=self.app_id, sha256=sha256)
            .exclude(media_id="")
            .values_list("media_id", flat=True)
            .first()
        )

    def set_media_id(self, sha256, media_id):
        UploadedImage.objects.update_or_create(app_id=self.app_id, sha256=sha256, defaults={"media_id": media_id})
