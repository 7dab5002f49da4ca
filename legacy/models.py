"""Where each imported page came from, so a re-import finds it again."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LegacySource(models.Model):
    """One old-site page and the CMS page made from it."""

    source = models.CharField(
        _("source"), max_length=1000, unique=True, help_text=_("The old page's address, or the imported file's path.")
    )
    old_path = models.CharField(
        _("old address path"), max_length=1000, blank=True, help_text=_("The path on the old site, when known.")
    )
    content_hash = models.CharField(_("content hash"), max_length=64, db_index=True)
    page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("page"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="legacy_sources",
    )
    imported_at = models.DateTimeField(_("first imported"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last imported"), auto_now=True)

    class Meta:
        verbose_name = _("imported old-site page")
        verbose_name_plural = _("imported old-site pages")

    def __str__(self):
        return self.source
