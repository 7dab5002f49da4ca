"""News in the API: listing with filters, and detail with previous/next in the column."""

import datetime
import re
from http import HTTPStatus
from typing import Annotated, Literal

from django.shortcuts import get_object_or_404
from ninja import Field, Path, Query, Router, Schema
from ninja.errors import HttpError
from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from cms.api.common import (
    MAX_ID,
    PageRef,
    Paging,
    page_path_and_url,
    page_ref,
    paginate,
    reject_unknown_params,
    responses,
)
from cms.api.content import ImageOut, NewsBodyBlock, image_out, stream_blocks
from cms.api.visibility import public_pages
from news.models import NewsIndexPage, NewsPage

router = Router(tags=["news"])


class CategoryOut(Schema):
    id: int
    name: str
    slug: str


class NewsItemOut(Schema):
    """A news item in a list; with `fields=`, only the named fields (and id) are present."""

    id: int
    title: str | None = None
    path: str | None = None
    url: str | None = None
    date: datetime.date | None = None
    column: PageRef | None = None
    category: CategoryOut | None = None
    tags: list[str] | None = None
    digest: str | None = None
    source: str | None = Field(None, description="Contributed by (供稿)")
    responsible_editor: str | None = Field(None, description="Responsible editor (责编)")
    cover: ImageOut | None = None


LIST_FIELDS = [name for name in NewsItemOut.model_fields if name != "id"]


class NewsDetailOut(Schema):
    id: int
    title: str
    path: str
    url: str
    date: datetime.date
    column: PageRef | None
    category: CategoryOut | None
    tags: list[str]
    digest: str
    source: str
    responsible_editor: str
    cover: ImageOut | None
    body: list[NewsBodyBlock]
    related: list[PageRef]
    previous: PageRef | None = Field(description="The item before this one in its column (older).")
    next: PageRef | None = Field(description="The item after this one in its column (newer).")
    seo_title: str
    search_description: str
    last_published_at: datetime.datetime | None


class NewsListOut(Schema):
    count: int
    items: list[NewsItemOut]


def _iso_date_only(value):
    """Refuse anything but YYYY-MM-DD: pydantic reads a number as Unix time, so date_from=2020 would be 1970-01-01."""
    if isinstance(value, str) and not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise PydanticCustomError("date_format", "Input should be a date as YYYY-MM-DD")
    return value


IsoDate = Annotated[datetime.date, BeforeValidator(_iso_date_only)]


class NewsFilters(Schema):
    column: str | None = Field(None, description="Column id or slug (e.g. 工作动态)")
    category: str | None = Field(None, description="Category slug")
    tag: str | None = Field(None, description="Tag name")
    year: int | None = Field(None, ge=1900, le=2100)
    month: int | None = Field(None, ge=1, le=12, description="Needs year")
    date_from: IsoDate | None = Field(None, description="First publication date, YYYY-MM-DD")
    date_to: IsoDate | None = Field(None, description="Last publication date, YYYY-MM-DD")
    order: Literal["-date", "date"] = Field("-date", description="Newest first (-date) or oldest first")
    fields: str | None = Field(None, description=f"Comma-separated fields to include: {', '.join(LIST_FIELDS)}")


FILTER_PARAMS = set(NewsFilters.model_fields) | set(Paging.model_fields)


def _unprocessable(message):
    return HttpError(HTTPStatus.UNPROCESSABLE_ENTITY, message)


def news_queryset(request):
    return public_pages(request, NewsPage).select_related("category", "cover_image").prefetch_related("tags")


def _filter(request, queryset, filters: NewsFilters):
    if filters.column:
        columns = public_pages(request, NewsIndexPage)
        is_id = filters.column.isascii() and filters.column.isdigit() and int(filters.column) <= MAX_ID
        column = (columns.filter(pk=int(filters.column)) if is_id else columns.filter(slug=filters.column)).first()
        if column is None:
            raise HttpError(HTTPStatus.NOT_FOUND, f"column: no column {filters.column!r} on this site.")
        queryset = queryset.child_of(column)
    if filters.category:
        queryset = queryset.filter(category__slug=filters.category)
    if filters.tag:
        # The only filter across a to-many relation; DISTINCT only then (it sorts every row).
        queryset = queryset.filter(tags__name=filters.tag).distinct()
    if filters.month and not filters.year:
        raise _unprocessable("month: give year too.")
    if filters.year:
        queryset = queryset.filter(date__year=filters.year)
    if filters.month:
        queryset = queryset.filter(date__month=filters.month)
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise _unprocessable("date_from: must not be after date_to.")
    if filters.date_from:
        queryset = queryset.filter(date__gte=filters.date_from)
    if filters.date_to:
        queryset = queryset.filter(date__lte=filters.date_to)
    ordering = ["date", "pk"] if filters.order == "date" else ["-date", "-pk"]
    return queryset.order_by(*ordering)


def _selected_fields(filters: NewsFilters) -> list[str]:
    if not filters.fields:
        return LIST_FIELDS
    names = [name.strip() for name in filters.fields.split(",") if name.strip()]
    unknown = [name for name in names if name not in LIST_FIELDS and name != "id"]
    if unknown:
        raise _unprocessable(f"fields: unknown field(s) {', '.join(unknown)}; choose from {', '.join(LIST_FIELDS)}.")
    return [name for name in names if name != "id"]


def _category(page):
    category = page.category
    return {"id": category.pk, "name": category.name, "slug": category.slug} if category else None


def news_item(request, page: NewsPage, fields=LIST_FIELDS) -> dict:
    path, url = page_path_and_url(request, page)
    values = {
        "title": lambda: page.title,
        "path": lambda: path,
        "url": lambda: url,
        "date": lambda: page.date,
        "column": lambda: page_ref(request, page.get_parent()),
        "category": lambda: _category(page),
        "tags": lambda: sorted(tag.name for tag in page.tags.all()),
        "digest": lambda: page.digest,
        "source": lambda: page.source,
        "responsible_editor": lambda: page.responsible_editor,
        "cover": lambda: image_out(request, page.cover_image, page.cover_alt_text),
    }
    return {"id": page.pk} | {name: values[name]() for name in fields}


@router.get(
    "/", response=responses(NewsListOut), exclude_unset=True, summary="List news items", operation_id="news_list"
)
def list_news(request, filters: Query[NewsFilters], paging: Query[Paging]):
    """Live news items of the site, newest first, filtered and paged; `count` is the total."""
    reject_unknown_params(request, FILTER_PARAMS)
    fields = _selected_fields(filters)
    queryset = _filter(request, news_queryset(request).defer("body"), filters)
    count, pages = paginate(queryset, paging)
    if "column" in fields:
        # One query for the columns of the whole page of items, not one per item.
        parent_paths = {page.path[: -page.steplen] for page in pages}
        parents = {parent.path: parent for parent in NewsIndexPage.objects.filter(path__in=parent_paths)}
        for page in pages:
            page._cached_parent_obj = parents.get(page.path[: -page.steplen])
    return {"count": count, "items": [news_item(request, page, fields) for page in pages]}


def _neighbours(request, page: NewsPage):
    siblings = public_pages(request, NewsPage).child_of(page.get_parent())
    older = siblings.filter(date__lt=page.date) | siblings.filter(date=page.date, pk__lt=page.pk)
    newer = siblings.filter(date__gt=page.date) | siblings.filter(date=page.date, pk__gt=page.pk)
    return older.order_by("-date", "-pk").first(), newer.order_by("date", "pk").first()


@router.get("/{news_id}/", response=responses(NewsDetailOut), summary="News item", operation_id="news_detail")
def news_detail(request, news_id: Annotated[int, Path(ge=1, le=MAX_ID)]):
    """One live news item with its body as typed blocks and its neighbours in the column."""
    reject_unknown_params(request, set())
    page = get_object_or_404(news_queryset(request), pk=news_id)
    return news_detail_out(request, page)


def news_detail_out(request, page: NewsPage) -> dict:
    """The detail shape of `page` (live, or a draft being previewed); references only to public pages."""
    related_ids = [link.page_id for link in page.related_pages.all()]
    visible = {related.pk: related for related in public_pages(request).filter(pk__in=related_ids)}
    parent = page.get_parent()
    previous, following = _neighbours(request, page) if page.pk else (None, None)
    return news_item(request, page) | {
        "column": page_ref(request, parent) if parent and public_pages(request).filter(pk=parent.pk).exists() else None,
        "body": stream_blocks(request, page.body),
        "related": [page_ref(request, visible[pk]) for pk in related_ids if pk in visible],
        "previous": page_ref(request, previous),
        "next": page_ref(request, following),
        "seo_title": page.seo_title,
        "search_description": page.search_description,
        "last_published_at": page.last_published_at,
    }
