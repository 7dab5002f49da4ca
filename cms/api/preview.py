"""Headless preview: the front end trades an editor's preview token for the draft it names.

An editor's Preview (cms.pages.HeadlessPreviewMixin) keeps the page as the edit
form shows it, unsaved changes included, and opens HEADLESS_PREVIEW_URL with
`?content_type=news.newspage&token=…`. The front end calls this endpoint with
both and renders the answer as it renders a live page: a news item comes in the
shape of /api/v3/news/{id}/, other page types as id, type, title, path, url and
their API fields. A token shows its own page and nothing else: references to
other pages keep to what readers may see, as on live pages.
"""

from http import HTTPStatus
from typing import Annotated, Literal

from django.core import signing
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.views.decorators.cache import cache_control
from modelcluster.fields import ParentalKey
from ninja import Field, Query, Router
from ninja.decorators import decorate_view
from ninja.errors import HttpError
from pydantic import BaseModel, ConfigDict
from taggit.managers import TaggableManager
from wagtail.api import APIField
from wagtail.api.conf import get_model_field
from wagtail.documents.models import AbstractDocument
from wagtail.fields import RichTextField, StreamField
from wagtail.images.models import AbstractImage
from wagtail.models import Page

from cms.api.common import PageRef, page_path_and_url, page_ref, reject_unknown_params, responses
from cms.api.content import document_out, image_out, rich_text_html, stream_blocks
from cms.api.visibility import public_pages
from cms.pages import PreviewNotFound, page_from_preview_token
from news.api import NewsDetailOut, news_detail_out
from news.models import NewsPage

router = Router(tags=["preview"])


class NewsPreviewOut(NewsDetailOut):
    """A news item as /api/v3/news/{id}/ shows it, from the editor's draft."""

    id: int | None = Field(description="Empty for an item not saved yet.")
    type: Literal["news.NewsPage"]
    column: PageRef | None = Field(description="The item's column, when readers may see it.")


class PagePreviewOut(BaseModel):
    """Any other page type: these fields, and the type's API fields (as in /api/v2/pages/{id}/)."""

    # A pydantic model, not a ninja Schema: a Schema drops fields it does not declare.
    model_config = ConfigDict(extra="allow")

    id: int | None = Field(description="Empty for a page not saved yet.")
    type: str = Field(description="app_label.ModelName, e.g. yearbook.AnnualReportPage")
    title: str
    path: str
    url: str


PreviewOut = Annotated[NewsPreviewOut | PagePreviewOut, Field(union_mode="left_to_right")]


def _type_label(page) -> str:
    return page._meta.label


def news_preview(request, page: NewsPage) -> dict:
    """The draft in the shape of the live detail endpoint; neighbours and references among public pages."""
    return news_detail_out(request, page) | {"type": _type_label(page)}


def _value(request, field, value):
    """One field's value with the shared serializers: rich text as HTML, blocks typed, images with renditions."""
    if value is None:
        return None
    if isinstance(field, TaggableManager):
        return sorted(tag.name for tag in value.all())
    if isinstance(field, RichTextField):
        return rich_text_html(request, value)
    if isinstance(field, StreamField):
        return stream_blocks(request, value)
    if isinstance(field, models.ForeignKey):
        target = field.related_model
        if issubclass(target, AbstractImage):
            return image_out(request, value)
        if issubclass(target, AbstractDocument):
            return document_out(request, value)
        if issubclass(target, Page):
            return page_ref(request, public_pages(request).filter(pk=value.pk).first())
        return {"id": value.pk, "name": str(value)} | ({"slug": value.slug} if hasattr(value, "slug") else {})
    return value


def _row(request, row) -> dict | None:
    """A child row (key figure, attachment, featured page…) by its concrete fields; None for a hidden page."""
    out = {}
    for field in row._meta.concrete_fields:
        if field.primary_key or isinstance(field, ParentalKey) or field.name == "sort_order":
            continue
        value = _value(request, field, getattr(row, field.name))
        if value is None and isinstance(field, models.ForeignKey) and issubclass(field.related_model, Page):
            return None  # a link to a page readers may not see: the row is left out
        out[field.name] = value
    return out


def page_preview(request, page: Page) -> dict:
    """id, type, title, path, url and the page type's API fields, serialized as our own endpoints do."""
    path, url = page_path_and_url(request, page)
    out = {"id": page.pk, "type": _type_label(page), "title": page.title, "path": path, "url": url}
    for api_field in APIField.get_fields_for_model(type(page)):
        try:
            field = get_model_field(type(page), api_field.name)
        except FieldDoesNotExist:  # e.g. a rendition of an image field, which image_out already gives
            continue
        if field.one_to_many:  # a child relation: its rows
            rows = (_row(request, row) for row in getattr(page, api_field.name).all())
            out[api_field.name] = [row for row in rows if row is not None]
        else:
            out[api_field.name] = _value(request, field, getattr(page, api_field.name))
    return out


@router.get(
    "/",
    # Never 304: drafts are not validated or shared (cms/api/http.py).
    response=responses(PreviewOut, HTTPStatus.FORBIDDEN, public=False),
    summary="Draft for the front end's preview",
    operation_id="preview",
)
@decorate_view(cache_control(private=True, no_store=True))
def preview(
    request,
    content_type: Annotated[str, Query(description="As the preview link gives it, e.g. news.newspage")],
    token: Annotated[str, Query(description="As the preview link gives it; valid for a short time")],
):
    """The draft an editor is previewing, unsaved changes included, named by the preview link's token.
    A news item has the shape of /api/v3/news/{id}/; other types give id, type, title, path, url and
    their API fields. 403 when the token is expired or not valid, 404 when its preview is gone or the
    content type is not the token's. Never cached."""
    reject_unknown_params(request, {"content_type", "token"})
    try:
        page = page_from_preview_token(token, content_type)
    except signing.SignatureExpired as error:
        raise HttpError(HTTPStatus.FORBIDDEN, "token: this preview link has expired; preview again.") from error
    except signing.BadSignature as error:
        raise HttpError(HTTPStatus.FORBIDDEN, "token: not a valid preview token.") from error
    except PreviewNotFound as error:
        raise HttpError(HTTPStatus.NOT_FOUND, f"token: {error}") from error
    if isinstance(page, NewsPage):
        return news_preview(request, page)
    return page_preview(request, page)
