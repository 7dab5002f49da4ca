"""The site root page and the library's site-wide settings."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList, TabbedInterface
from wagtail.api import APIField
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page

from cms.pages import HeadlessPreviewMixin, PublicPageField, PublicPageListField, ReadableSlugMixin


class HomePage(HeadlessPreviewMixin, ReadableSlugMixin, Page):
    """The root of one library's site (首页)."""

    intro = RichTextField(
        _("introduction"),
        blank=True,
        features=["bold", "italic", "link"],
        help_text=_("A short welcome shown at the top of the home page."),
    )
    notice_text = models.CharField(
        _("notice text"),
        max_length=200,
        blank=True,
        help_text=_("A one-line notice shown across the site, e.g. a closure for a holiday."),
    )
    notice_link_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("notice link page"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The page the notice links to, if any."),
    )
    notice_link_url = models.URLField(
        _("notice link address"),
        blank=True,
        help_text=_("An outside address the notice links to; used when no page is chosen."),
    )
    notice_starts_at = models.DateTimeField(
        _("notice shown from"), null=True, blank=True, help_text=_("Leave empty to show it at once.")
    )
    notice_ends_at = models.DateTimeField(
        _("notice shown until"), null=True, blank=True, help_text=_("Leave empty to show it until removed.")
    )

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["news.NewsIndexPage", "yearbook.YearbookIndexPage"]

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        InlinePanel("featured_pages", label=_("Featured pages"), heading=_("Featured pages")),
    ]
    notice_panels = [
        MultiFieldPanel(
            [
                FieldPanel("notice_text"),
                FieldRowPanel([FieldPanel("notice_link_page"), FieldPanel("notice_link_url")]),
                FieldRowPanel([FieldPanel("notice_starts_at"), FieldPanel("notice_ends_at")]),
            ],
            heading=_("Notice banner"),
        )
    ]
    api_fields = [
        APIField("intro"),
        APIField("featured_pages", serializer=PublicPageListField()),
        APIField("notice_text"),
        APIField("notice_link_page", serializer=PublicPageField()),
        APIField("notice_link_url"),
        APIField("notice_starts_at"),
        APIField("notice_ends_at"),
    ]

    edit_handler = TabbedInterface(
        [
            ObjectList(content_panels, heading=_("Content")),
            ObjectList(notice_panels, heading=_("Notice banner")),
            ObjectList(Page.promote_panels, heading=_("Promote")),
            ObjectList(Page.settings_panels, heading=_("Settings")),
        ]
    )

    class Meta:
        verbose_name = _("home page")
        verbose_name_plural = _("home pages")

    def clean(self):
        super().clean()
        if self.notice_starts_at and self.notice_ends_at and self.notice_ends_at <= self.notice_starts_at:
            raise ValidationError({"notice_ends_at": _("The notice must end after it starts.")})
        if self.notice_link_page_id and self.notice_link_url:
            raise ValidationError({"notice_link_url": _("Choose a page or enter an address, not both.")})

    def notice_is_active(self, at=None):
        """True when the notice has text and `at` (default: now) is inside its dates."""
        at = at or timezone.now()
        if not self.notice_text:
            return False
        if self.notice_starts_at and at < self.notice_starts_at:
            return False
        return not (self.notice_ends_at and at >= self.notice_ends_at)


class HomePageFeaturedPage(Orderable):
    """A page featured on the home page, in the editor's order."""

    home_page = ParentalKey(HomePage, on_delete=models.CASCADE, related_name="featured_pages")
    page = models.ForeignKey("wagtailcore.Page", verbose_name=_("page"), on_delete=models.CASCADE, related_name="+")
    label = models.CharField(
        _("label"), max_length=100, blank=True, help_text=_("Shown instead of the page title when given.")
    )

    panels = [FieldPanel("page"), FieldPanel("label")]

    class Meta(Orderable.Meta):
        verbose_name = _("featured page")
        verbose_name_plural = _("featured pages")


@register_setting(icon="home")
class LibrarySettings(ClusterableModel, BaseSiteSetting):
    """Facts about the library shown in the site header and footer (one set per site)."""

    library_name = models.CharField(_("library name"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("telephone"), max_length=50, blank=True)
    email = models.EmailField(_("email"), blank=True)
    icp_number = models.CharField(
        _("ICP filing number"),
        max_length=50,
        blank=True,
        help_text=_("The ICP filing number (备案号) that must appear in the footer, e.g. 陕ICP备12345678号-1."),
    )
    public_security_number = models.CharField(
        _("public security filing number"),
        max_length=50,
        blank=True,
        help_text=_("The public security filing number (公安备案号), e.g. 陕公网安备 61042402000001号."),
    )
    wechat_account_name = models.CharField(_("WeChat Official Account name"), max_length=100, blank=True)
    wechat_qr_code = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("WeChat QR code"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    footer_text = models.TextField(_("footer text"), blank=True)

    panels = [
        MultiFieldPanel(
            [FieldPanel("library_name"), FieldPanel("address"), FieldPanel("phone"), FieldPanel("email")],
            heading=_("Library"),
        ),
        InlinePanel("opening_hours", label=_("Opening hours"), heading=_("Opening hours")),
        InlinePanel(
            "opening_exceptions", label=_("Opening hours exception"), heading=_("Holidays and other exceptions")
        ),
        MultiFieldPanel(
            [FieldPanel("icp_number"), FieldPanel("public_security_number"), FieldPanel("footer_text")],
            heading=_("Footer"),
        ),
        MultiFieldPanel([FieldPanel("wechat_account_name"), FieldPanel("wechat_qr_code")], heading=_("WeChat")),
    ]

    class Meta:
        verbose_name = _("library settings")
        verbose_name_plural = _("library settings")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


def _check_times(opens, closes, closed):
    """Validation shared by regular hours and exceptions."""
    if closed:
        return
    if opens is None or closes is None:
        raise ValidationError(_("Give the opening and closing times, or mark the day as closed."))
    if closes <= opens:
        raise ValidationError({"closes": _("The closing time must be after the opening time.")})


class OpeningHours(Orderable):
    """Regular opening hours for one weekday; a day may have several sessions."""

    settings = ParentalKey(LibrarySettings, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(_("day of the week"), choices=Weekday.choices)
    opens = models.TimeField(_("opens at"), null=True, blank=True)
    closes = models.TimeField(_("closes at"), null=True, blank=True)
    closed = models.BooleanField(_("closed all day"), default=False)
    note = models.CharField(_("note"), max_length=100, blank=True, help_text=_("E.g. the rooms open in this session."))

    panels = [
        FieldRowPanel([FieldPanel("weekday"), FieldPanel("opens"), FieldPanel("closes"), FieldPanel("closed")]),
        FieldPanel("note"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")

    def clean(self):
        _check_times(self.opens, self.closes, self.closed)


class OpeningHoursException(Orderable):
    """Different hours (or a closure) on given dates, e.g. 春节闭馆."""

    settings = ParentalKey(LibrarySettings, on_delete=models.CASCADE, related_name="opening_exceptions")
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True, help_text=_("Leave empty for a single day."))
    closed = models.BooleanField(_("closed"), default=True)
    opens = models.TimeField(_("opens at"), null=True, blank=True)
    closes = models.TimeField(_("closes at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=100, help_text=_("Shown to readers, e.g. Spring Festival."))

    panels = [
        FieldRowPanel([FieldPanel("start_date"), FieldPanel("end_date")]),
        FieldRowPanel([FieldPanel("closed"), FieldPanel("opens"), FieldPanel("closes")]),
        FieldPanel("reason"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("opening hours exception")
        verbose_name_plural = _("opening hours exceptions")

    def clean(self):
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The last day cannot be before the first day.")})
        _check_times(self.opens, self.closes, self.closed)
