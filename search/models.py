"""Tables of reader search: the database engine's documents, and the index outbox."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchDocument(models.Model):
    """One live, public page as the database engine stores it (see search/documents.py).

    The full-text part lives beside this table: a `search_vector` tsvector
    column with a GIN index on PostgreSQL, the `search_fts` FTS5 table on
    SQLite (both made by migration 0001); search/engines/database.py fills them.
    """

    page = models.OneToOneField(
        "wagtailcore.Page", on_delete=models.CASCADE, primary_key=True, related_name="+", verbose_name=_("page")
    )
    site = models.ForeignKey("wagtailcore.Site", on_delete=models.CASCADE, related_name="+", verbose_name=_("site"))
    type = models.CharField(_("type"), max_length=20)
    title = models.CharField(_("title"), max_length=255)
    # The title through search.analysis.normalize (simplified, half-width, lower case): for suggestions.
    title_normalized = models.CharField(_("normalized title"), max_length=255)
    digest = models.TextField(_("digest"), blank=True)
    body = models.TextField(_("body"), blank=True)
    date = models.DateField(_("date"), null=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True)
    column = models.CharField(_("column"), max_length=255, blank=True)
    column_title = models.CharField(_("column title"), max_length=255, blank=True)
    category = models.CharField(_("category"), max_length=50, blank=True)
    category_name = models.CharField(_("category name"), max_length=50, blank=True)
    tags = models.JSONField(_("tags"), default=list)
    url = models.CharField(_("address"), max_length=500)
    indexed_at = models.DateTimeField(_("indexed at"), auto_now=True)

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")
        indexes = [models.Index(fields=["site", "type", "year"]), models.Index(fields=["site", "date"])]

    def __str__(self):
        return self.title


class PendingIndexUpdate(models.Model):
    """Durable intent: "bring page N's search document up to date".

    Written in the transaction that changed the page; removed by the task that
    did the work. One row per page however many changes pile up: the task reads
    the page as it is then, so one run covers them all. Rows the broker never
    delivered are picked up by the sweep (search.tasks.sweep_index_outbox).
    """

    page_id = models.PositiveIntegerField(_("page id"), unique=True)
    requested_at = models.DateTimeField(_("requested at"), db_index=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("pending index update")
        verbose_name_plural = _("pending index updates")

    def __str__(self):
        return f"page {self.page_id}"
