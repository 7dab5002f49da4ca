"""What every page type of the library shares: readable slugs, the admin form, headless preview, API fields.

Stock Wagtail fills an empty slug from the title in the browser; for a Chinese
title that gives an empty slug, and the page then fails validation on publish.
Here the slug may be left empty in the admin: the server derives it from the
page's own data (`get_slug_base`, e.g. the publication date of a news item, the
year of an annual report) or, by default, from the title as a Unicode slug, and
makes it unique among the page's siblings.

Preview and the fields of Wagtail's APIs are described where they are defined below.
"""

import hashlib
from typing import NotRequired
from urllib.parse import urlencode

from django.apps import apps
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from typing_extensions import TypedDict
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import TitleFieldPanel
from wagtail.api.utils import get_full_url


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


class TitleWithoutSlugSyncPanel(TitleFieldPanel):
    """The title field (with its usual look) that never copies itself into the slug."""

    class BoundPanel(TitleFieldPanel.BoundPanel):
        def get_should_apply(self):
            return False


def title_panel_without_slug_sync():
    """The title field for pages whose slug is not made from the title.

    The admin's script would otherwise copy the title into the slug as the
    editor types, replacing the date- or number-based slug the page generates.
    """
    return TitleWithoutSlugSyncPanel("title")


# --- Headless preview ------------------------------------------------------------
#
# With HEADLESS_PREVIEW_URL set, an editor's Preview shows the front end's preview
# page instead of a Django template. Wagtail calls `serve_preview` on the page as
# the editor sees it (the edit form's unsaved state, or a revision being
# reviewed); that page is kept in the cache for HEADLESS_PREVIEW_TOKEN_MAX_AGE
# seconds, and the front end gets a signed, timestamped token naming it, which
# /api/v3/preview/ trades for this one page and nothing else. One entry per
# editor and page: the preview panel refreshes on every change to the form, and
# each refresh replaces the entry, so a reload of an earlier link shows the
# latest state. The cache must be shared by all web processes (REDIS_URL in
# production).

PREVIEW_TOKEN_SALT = "cms.headless-preview"
PREVIEW_CACHE_PREFIX = "headless-preview:"

PREVIEW_FRAME = """<!DOCTYPE html>
<html lang="zh-hans"><head><meta charset="utf-8"><meta name="robots" content="noindex">
<title>{title}</title>
<style>html, body {{ margin: 0; height: 100%; overflow: hidden; }} iframe {{ border: 0; width: 100%; height: 100%; }}</style>
</head><body><iframe src="{url}" title="{title}"></iframe></body></html>"""


class PreviewNotFound(LookupError):
    """The token is sound but its page is no longer kept, or is not of the named type."""


def preview_content_type(model) -> str:
    """The page type as the front end receives it: "app_label.modelname", e.g. "news.newspage"."""
    return f"{model._meta.app_label}.{model._meta.model_name}"


def _preview_signer():
    return signing.TimestampSigner(salt=PREVIEW_TOKEN_SALT)


def issue_preview_token(page, user=None) -> str:
    """Keep `page` (saved or not) as `user` previews it, and return the token that shows it to the front end."""
    content_type = preview_content_type(type(page))
    # A page not saved yet has the tree position it would take (Wagtail sets it for previews).
    previewed = f"{getattr(user, 'pk', None)}:{content_type}:{page.pk}:{page.path}"
    key = hashlib.sha256(previewed.encode()).hexdigest()[:24]
    cache.set(
        PREVIEW_CACHE_PREFIX + key,
        {"content_type": content_type, "page_id": page.pk, "content": page.to_json()},
        timeout=settings.HEADLESS_PREVIEW_TOKEN_MAX_AGE,
    )
    # Short names keep the token well inside the API's limit on parameter length.
    return _preview_signer().sign_object({"t": content_type, "p": page.pk, "k": key})


def page_from_preview_token(token: str, content_type: str):
    """The page kept for `token`, as an unsaved instance of its type.

    Raises `signing.SignatureExpired` for a token older than
    HEADLESS_PREVIEW_TOKEN_MAX_AGE, `signing.BadSignature` for one not made
    here, and `PreviewNotFound` when the page is no longer kept or
    `content_type` is not the token's.
    """
    claim = _preview_signer().unsign_object(token, max_age=settings.HEADLESS_PREVIEW_TOKEN_MAX_AGE)
    kept = cache.get(PREVIEW_CACHE_PREFIX + str(claim.get("k")))
    if (
        claim.get("t") != content_type
        or kept is None
        or (kept["content_type"], kept["page_id"]) != (claim["t"], claim.get("p"))
    ):
        raise PreviewNotFound("No preview for this token; click Preview in the editor again.")
    model = apps.get_model(content_type)
    return model.from_json(kept["content"])


def headless_preview_url(content_type: str, token: str) -> str:
    base = settings.HEADLESS_PREVIEW_URL
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}{urlencode({'content_type': content_type, 'token': token})}"


class HeadlessPreviewMixin:
    """Preview in the headless front end when HEADLESS_PREVIEW_URL is set; Wagtail's template preview otherwise."""

    def serve_preview(self, request, mode_name):
        if not settings.HEADLESS_PREVIEW_URL:
            return super().serve_preview(request, mode_name)
        token = issue_preview_token(self, getattr(request, "user", None))
        url = headless_preview_url(preview_content_type(type(self)), token)
        # A page of our own around the front end keeps the preview panel's document
        # on the admin's origin, so Wagtail's panel scripts keep working.
        response = HttpResponse(format_html(PREVIEW_FRAME, url=url, title=self.title or ""))
        response["Cache-Control"] = "private, no-store"
        return response


# --- Fields of Wagtail's APIs (v2 `api_fields`, read by v3 too) -------------------
#
# References to other pages go through the visibility rule: a page nobody may see
# is left out rather than shown with its id and address. v3 gives these fields no
# request, so they use the site-independent rule and relative addresses there.
# Their return types describe the fields in v3's OpenAPI document (pydantic needs
# typing_extensions' TypedDict before Python 3.12).


class PageLinkDict(TypedDict):
    id: int
    title: str
    type: str
    url: str | None
    label: NotRequired[str]


class CategoryDict(TypedDict):
    id: int
    name: str
    slug: str


class DocumentLinkDict(TypedDict):
    id: int
    title: str
    url: str
    file_extension: str


def _public_page_links(field, pages, labels=None) -> list[PageLinkDict]:
    from cms.api.visibility import public_anywhere  # cms.api imports the page models

    request = field.context.get("request")
    visible = {page.pk: page for page in public_anywhere().filter(pk__in=[page.pk for page in pages])}
    links = []
    for index, page in enumerate(pages):
        if page.pk not in visible:
            continue
        page = visible[page.pk]
        link = PageLinkDict(
            id=page.pk,
            title=page.title,
            type=page.specific_class._meta.label,
            url=page.get_full_url(request),
        )
        if labels is not None:
            link["label"] = labels[index]
        links.append(link)
    return links


class PublicPageField(serializers.Field):
    """A page reference, or null when the page is not one anyone may see."""

    def to_representation(self, page) -> PageLinkDict | None:
        links = _public_page_links(self, [page])
        return links[0] if links else None


class PublicPageListField(serializers.Field):
    """A child relation of (page, optional label) rows as page references, without pages nobody may see."""

    def to_representation(self, rows) -> list[PageLinkDict]:
        rows = [row for row in rows.all() if row.page_id]
        labels = [getattr(row, "label", "") for row in rows] if rows and hasattr(rows[0], "label") else None
        return _public_page_links(self, [row.page for row in rows], labels)


class CategoryField(serializers.Field):
    """A category snippet as its id, name and slug."""

    def to_representation(self, category) -> CategoryDict:
        return CategoryDict(id=category.pk, name=category.name, slug=category.slug)


class DocumentField(serializers.Field):
    """A document as its id, title, download address and file extension."""

    def to_representation(self, document) -> DocumentLinkDict:
        url = get_full_url(self.context.get("request"), document.url)
        return DocumentLinkDict(id=document.pk, title=document.title, url=url, file_extension=document.file_extension)
