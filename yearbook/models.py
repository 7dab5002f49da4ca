"""Annual reports (工作年报) and their chronicles (大事记)."""

import calendar
import contextlib
import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index
from wagtail.snippets.models import register_snippet

from cms.pages import (
    CategoryField,
    DocumentField,
    HeadlessPreviewMixin,
    LibraryPageForm,
    PublicPageListField,
    ReadableSlugMixin,
    local_today,
    title_panel_without_slug_sync,
)
from yearbook.blocks import ReportBodyBlock

YEAR_VALIDATORS = [MinValueValidator(1900), MaxValueValidator(2100)]


class YearbookIndexPage(HeadlessPreviewMixin, ReadableSlugMixin, Page):
    """The section holding the annual reports (年报), one child per year."""

    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    parent_page_types = ["home.HomePage"]
    subpage_types = ["yearbook.AnnualReportPage"]

    content_panels = Page.content_panels + [FieldPanel("intro")]

    api_fields = [APIField("intro")]

    class Meta:
        verbose_name = _("yearbook")
        verbose_name_plural = _("yearbooks")


class AnnualReportPage(HeadlessPreviewMixin, ReadableSlugMixin, Page):
    """A year's work report (工作年报 / 年度工作总结), with key figures and a chronicle."""

    year = models.PositiveSmallIntegerField(
        _("year"), validators=YEAR_VALIDATORS, help_text=_("The year the report covers, not the year it was posted.")
    )
    date = models.DateField(_("publication date"), default=local_today)
    summary = models.TextField(_("summary"), blank=True, help_text=_("A paragraph shown in lists of reports."))
    body = StreamField(ReportBodyBlock(), verbose_name=_("body"), blank=True)

    parent_page_types = ["yearbook.YearbookIndexPage"]
    subpage_types = ["yearbook.ChronicleEntryPage"]

    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("year"),
    ]

    content_panels = [
        title_panel_without_slug_sync(),
        FieldRowPanel([FieldPanel("year"), FieldPanel("date")]),
        FieldPanel("summary"),
        FieldPanel("body"),
        InlinePanel("key_figures", label=_("Key figure"), heading=_("Key figures")),
        InlinePanel("attachments", label=_("Attachment"), heading=_("Attachments")),
    ]

    api_fields = [
        APIField("year"),
        APIField("date"),
        APIField("summary"),
        APIField("body"),
        APIField("key_figures"),
        APIField("attachments"),
    ]

    class Meta:
        verbose_name = _("annual report")
        verbose_name_plural = _("annual reports")

    def get_slug_base(self):
        return str(self.year) if self.year else super().get_slug_base()

    def clean(self):
        super().clean()
        parent = self.get_parent() if self.path else getattr(self, "_cached_parent_obj", None)
        if parent is None or not self.year:
            return
        siblings = AnnualReportPage.objects.child_of(parent).filter(year=self.year)
        if self.pk:
            siblings = siblings.exclude(pk=self.pk)
        if siblings.exists():
            raise ValidationError({"year": _("This yearbook already has a report for %(year)s.") % {"year": self.year}})

    def chronicle_entries(self):
        """This report's chronicle entries (live or not), in chronological order."""
        return ChronicleEntryPage.objects.child_of(self).order_by("sort_date", "sequence_number")


class KeyFigure(Orderable):
    """One number of a report, e.g. 全年读者活动 67 次."""

    report = ParentalKey(AnnualReportPage, on_delete=models.CASCADE, related_name="key_figures")
    label = models.CharField(_("label"), max_length=100, help_text=_("What is counted, e.g. 读者活动."))
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=10, blank=True, help_text=_("E.g. 次, 人次, 课时, 期, 个."))
    note = models.CharField(_("note"), max_length=200, blank=True)

    panels = [FieldRowPanel([FieldPanel("label"), FieldPanel("value"), FieldPanel("unit")]), FieldPanel("note")]
    api_fields = [APIField("label"), APIField("value"), APIField("unit"), APIField("note")]

    class Meta(Orderable.Meta):
        verbose_name = _("key figure")
        verbose_name_plural = _("key figures")

    def __str__(self):
        return f"{self.label} {self.value.normalize():f}{self.unit}"


class ReportAttachment(Orderable):
    """A document attached to a report (e.g. the signed PDF)."""

    report = ParentalKey(AnnualReportPage, on_delete=models.CASCADE, related_name="attachments")
    document = models.ForeignKey(
        "wagtaildocs.Document", verbose_name=_("document"), on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField(
        _("link text"), max_length=200, blank=True, help_text=_("Leave empty to use the document's title.")
    )

    panels = [FieldPanel("document"), FieldPanel("title")]
    api_fields = [APIField("title"), APIField("document", serializer=DocumentField())]

    class Meta(Orderable.Meta):
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")


@register_snippet
class ChronicleCategory(models.Model):
    """A category of chronicle entries: 党建, 业务, 活动, 荣誉, 培训, 其他."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    slug = models.SlugField(_("slug"), max_length=50, unique=True, allow_unicode=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("sort_order")]

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("chronicle category")
        verbose_name_plural = _("chronicle categories")

    def __str__(self):
        return self.name


class DatePrecision(models.TextChoices):
    DAY = "day", _("Day")
    MONTH = "month", _("Month")
    SEASON = "season", _("Part of the year")
    YEAR = "year", _("Year")


class YearPart(models.TextChoices):
    """Parts of a year that chronicles name instead of a date (年初, 上半年, 年底…)."""

    EARLY = "early", _("Early in the year")
    SPRING = "spring", _("Spring")
    FIRST_HALF = "first_half", _("First half of the year")
    SUMMER = "summer", _("Summer")
    MID = "mid", _("Middle of the year")
    SECOND_HALF = "second_half", _("Second half of the year")
    AUTUMN = "autumn", _("Autumn")
    WINTER = "winter", _("Winter")
    END = "end", _("End of the year")


# Where each part of the year sorts among dated entries: (month, day).
YEAR_PART_SORT_DATES = {
    YearPart.EARLY: (1, 1),
    YearPart.FIRST_HALF: (1, 1),
    YearPart.SPRING: (3, 1),
    YearPart.SUMMER: (6, 1),
    YearPart.MID: (7, 1),
    YearPart.SECOND_HALF: (7, 1),
    YearPart.AUTUMN: (9, 1),
    YearPart.WINTER: (12, 1),
    YearPart.END: (12, 31),
}


class ChronicleEntryForm(LibraryPageForm):
    """A new entry starts in its report's year, numbered after the last entry."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        parent = self.parent_page.specific if self.parent_page is not None else None
        if not self.instance.pk and isinstance(parent, AnnualReportPage):
            last = ChronicleEntryPage.objects.child_of(parent).aggregate(models.Max("sequence_number"))
            defaults = {"year": parent.year, "sequence_number": (last["sequence_number__max"] or 0) + 1}
            for name, value in defaults.items():
                if self.initial.get(name) is None:
                    self.initial[name] = value


class ChronicleEntryPage(HeadlessPreviewMixin, ReadableSlugMixin, Page):
    """One entry of a year's chronicle (大事记), possibly with a partial date."""

    base_form_class = ChronicleEntryForm

    text = RichTextField(_("entry text"), features=["bold", "italic", "link"])
    sequence_number = models.PositiveIntegerField(
        _("number"), help_text=_("The entry's number in the year's chronicle (1, 2, 3…).")
    )
    date_precision = models.CharField(
        _("date precision"),
        max_length=10,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
        help_text=_("How much of the date is known."),
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    month = models.PositiveSmallIntegerField(
        _("month"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    day = models.PositiveSmallIntegerField(
        _("day"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    year_part = models.CharField(
        _("part of the year"),
        max_length=12,
        choices=YearPart.choices,
        blank=True,
        help_text=_("For a date known only as a part of the year, e.g. 年初."),
    )
    date_text = models.CharField(
        _("original date wording"),
        max_length=50,
        blank=True,
        help_text=_("The date as the source wrote it, e.g. 年初 or 4、5月份."),
    )
    end_date = models.DateField(
        _("last day"),
        null=True,
        blank=True,
        help_text=_("For an event over several days, e.g. 10月27日—10月29日."),
    )
    source_text = models.TextField(
        _("source sentence"),
        blank=True,
        help_text=_("The sentence of the report this entry was proposed from, for the editor to check."),
    )
    sort_date = models.DateField(_("sort date"), editable=False, db_index=True)
    category = models.ForeignKey(
        ChronicleCategory,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="entries",
    )

    parent_page_types = ["yearbook.AnnualReportPage"]
    subpage_types = []

    search_fields = Page.search_fields + [index.SearchField("text"), index.FilterField("year")]

    content_panels = [
        title_panel_without_slug_sync(),
        FieldPanel("text"),
        FieldRowPanel([FieldPanel("sequence_number"), FieldPanel("category")]),
        MultiFieldPanel(
            [
                FieldPanel("date_precision"),
                FieldRowPanel([FieldPanel("year"), FieldPanel("month"), FieldPanel("day")]),
                FieldPanel("year_part"),
                FieldPanel("end_date"),
                FieldPanel("date_text"),
            ],
            heading=_("Date"),
        ),
        InlinePanel("related_pages", label=_("Related page"), heading=_("Related pages")),
        FieldPanel("source_text", read_only=True),
    ]

    # source_text is the editor's check against the report, not content: not in the API.
    api_fields = [
        APIField("text"),
        APIField("sequence_number"),
        APIField("date_precision"),
        APIField("year"),
        APIField("month"),
        APIField("day"),
        APIField("year_part"),
        APIField("date_text"),
        APIField("end_date"),
        APIField("sort_date"),
        APIField("category", serializer=CategoryField()),
        APIField("related_pages", serializer=PublicPageListField()),
    ]

    class Meta:
        verbose_name = _("chronicle entry")
        verbose_name_plural = _("chronicle entries")

    def get_slug_base(self):
        return f"entry-{self.sequence_number}" if self.sequence_number else super().get_slug_base()

    def compute_sort_date(self):
        """The first day the entry's (possibly partial) date can mean; sorts it among dated entries."""
        if self.date_precision == DatePrecision.DAY:
            return datetime.date(self.year, self.month, self.day)
        if self.date_precision == DatePrecision.MONTH:
            return datetime.date(self.year, self.month, 1)
        if self.date_precision == DatePrecision.SEASON:
            month, day = YEAR_PART_SORT_DATES[YearPart(self.year_part)]
            return datetime.date(self.year, month, day)
        return datetime.date(self.year, 1, 1)

    def clean(self):
        super().clean()
        errors = {}
        precision = self.date_precision
        if self.year is None:
            return  # the field's own "required" error is shown
        if precision in (DatePrecision.DAY, DatePrecision.MONTH) and self.month is None:
            errors["month"] = _("Give the month, or choose a less precise date.")
        if precision == DatePrecision.DAY and self.day is None:
            errors["day"] = _("Give the day, or choose a less precise date.")
        if precision == DatePrecision.SEASON and not self.year_part:
            errors["year_part"] = _("Choose the part of the year.")
        if precision != DatePrecision.DAY and self.day:
            errors["day"] = _("A day is only given when the date precision is day.")
        if precision in (DatePrecision.SEASON, DatePrecision.YEAR) and self.month:
            errors["month"] = _("A month is only given when the date precision is day or month.")
        if precision != DatePrecision.SEASON and self.year_part:
            errors["year_part"] = _("A part of the year is only given when the date precision is part of the year.")
        # The fields' own validators report a month outside 1–12 or a day outside 1–31.
        parts_in_range = (self.month is None or 1 <= self.month <= 12) and (self.day is None or 1 <= self.day <= 31)
        if not errors and parts_in_range and precision == DatePrecision.DAY:
            last_day = calendar.monthrange(self.year, self.month)[1]
            if self.day > last_day:
                errors["day"] = _("%(year)s-%(month)s has only %(days)s days.") % {
                    "year": self.year,
                    "month": self.month,
                    "days": last_day,
                }
        if not errors and self.end_date and self.end_date < self.compute_sort_date():
            errors["end_date"] = _("The last day cannot be before the first day.")
        parent = self.get_parent() if self.path else getattr(self, "_cached_parent_obj", None)
        if parent is not None and self.sequence_number:
            siblings = ChronicleEntryPage.objects.child_of(parent).filter(sequence_number=self.sequence_number)
            if self.pk:
                siblings = siblings.exclude(pk=self.pk)
            if siblings.exists():
                errors["sequence_number"] = _("Another entry of this chronicle already has number %(number)s.") % {
                    "number": self.sequence_number
                }
        if errors:
            raise ValidationError(errors)

    def _fill_sort_date(self):
        # clean() reports which part of the date is missing or impossible.
        with contextlib.suppress(TypeError, ValueError, KeyError):
            self.sort_date = self.compute_sort_date()

    def full_clean(self, *args, **kwargs):
        # sort_date is derived; fill it before validation so the field's own
        # "required" check passes whenever the date parts are valid.
        self._fill_sort_date()
        return super().full_clean(*args, **kwargs)

    def save(self, *args, **kwargs):
        self._fill_sort_date()
        return super().save(*args, **kwargs)


class ChronicleEntryRelatedPage(Orderable):
    """A page related to a chronicle entry (e.g. the news item about the event)."""

    entry = ParentalKey(ChronicleEntryPage, on_delete=models.CASCADE, related_name="related_pages")
    page = models.ForeignKey("wagtailcore.Page", verbose_name=_("page"), on_delete=models.CASCADE, related_name="+")

    panels = [FieldPanel("page")]

    class Meta(Orderable.Meta):
        verbose_name = _("related page")
        verbose_name_plural = _("related pages")
