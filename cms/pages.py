"""What every page type of the library shares: readable slugs and the admin form.

Stock Wagtail fills an empty slug from the title in the browser; for a Chinese
title that gives an empty slug, and the page then fails validation on publish.
Here the slug may be left empty in the admin: the server derives it from the
page's own data (`get_slug_base`, e.g. the publication date of a news item, the
year of an annual report) or, by default, from the title as a Unicode slug, and
makes it unique among the page's siblings.
"""

from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import TitleFieldPanel


class LibraryPageForm(WagtailAdminPageForm):
    """Page form whose slug is optional: an empty slug is generated on save."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "slug" in self.fields:
            self.fields["slug"].required = False
            self.fields["slug"].help_text = _(
                "The last part of the page's web address. Leave it empty and it is generated when the page is saved."
            )
        if self.parent_page is not None and not self.instance.pk:
            # Lets the page generate its slug while the form validates.
            self.instance._cached_parent_obj = self.parent_page


class ReadableSlugMixin:
    """Generate a readable, stable slug when none is given (see module docstring)."""

    base_form_class = LibraryPageForm

    def get_slug_base(self):
        """The slug to use before de-duplication; page types override this."""
        return slugify(self.title or "", allow_unicode=True)

    def _set_core_field_defaults(self):
        # Wagtail's hook that fills the slug before both full validation and the
        # minimal validation of drafts saved in code.
        parent = self.get_parent() if self.path else getattr(self, "_cached_parent_obj", None)
        if not self.slug and parent is not None:
            base = self.get_slug_base()
            if base:
                self.slug = self.unique_slug(base, parent)
        super()._set_core_field_defaults()

    def unique_slug(self, base, parent):
        """`base`, or `base-2`, `base-3`… whichever is free among `parent`'s children."""
        candidate, suffix = base, 1
        while not self._slug_is_available(candidate, parent, self):
            suffix += 1
            candidate = f"{base}-{suffix}"
        return candidate


def local_today():
    """Today's date in the site's time zone (Asia/Shanghai), not UTC."""
    return timezone.localdate()


def title_panel_without_slug_sync():
    """The title field for pages whose slug is not made from the title.

    The admin's script would otherwise copy the title into the slug as the
    editor types, replacing the date- or number-based slug the page generates.
    """
    return TitleFieldPanel("title", targets=[])
