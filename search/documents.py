"""What each page type is as a search document: defined once, read by every engine.

A page is a document only while anonymous readers may see it: live, not
expired, below no unpublished section, without a view restriction on it or an
ancestor, and inside a site (cms.api.visibility is the one rule for that). Text
is flattened from StreamField and rich text to plain text here; engines analyse
it with search.analysis.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.utils.html import strip_tags
from wagtail.models import Page, Site
from wagtail.rich_text import get_text_for_indexing

from cms.api.visibility import public_anywhere
from news.models import NewsPage
from search.engine import Document
from yearbook.models import AnnualReportPage, ChronicleEntryPage

# Page model → document type, as the API names it.
DOCUMENT_MODELS = {NewsPage: "news", AnnualReportPage: "report", ChronicleEntryPage: "chronicle"}


def _stream_text(stream_value) -> str:
    """Plain text of a StreamField value, block by block, as Wagtail extracts it for indexing."""
    parts = stream_value.stream_block.get_searchable_content(stream_value)
    return "\n".join(strip_tags(part) for part in parts if part)


def _news_fields(page: NewsPage) -> dict:
    body = _stream_text(page.body)
    byline = " ".join(filter(None, [page.source, page.responsible_editor]))
    return {
        "body": "\n".join(filter(None, [body, byline])),
        "digest": page.digest,
        "date": page.date,
        "year": page.date.year if page.date else None,
        "category": page.category.slug if page.category_id else "",
        "category_name": page.category.name if page.category_id else "",
        "tags": tuple(sorted(tag.name for tag in page.tags.all())),
    }


def _report_fields(page: AnnualReportPage) -> dict:
    figures = [f"{figure.label} {figure.value.normalize():f}{figure.unit}" for figure in page.key_figures.all()]
    return {
        "body": "\n".join(filter(None, [_stream_text(page.body), *figures])),
        "digest": page.summary,
        "date": page.date,
        "year": page.year,
        "category": "",
        "category_name": "",
        "tags": (),
    }


def _chronicle_fields(page: ChronicleEntryPage) -> dict:
    return {
        "body": get_text_for_indexing(page.text),
        "digest": page.date_text,
        "date": page.sort_date,
        "year": page.year,
        "category": page.category.slug if page.category_id else "",
        "category_name": page.category.name if page.category_id else "",
        "tags": (),
    }


_FIELDS = {NewsPage: _news_fields, AnnualReportPage: _report_fields, ChronicleEntryPage: _chronicle_fields}
# What each type's fields read besides the page row, loaded per batch.
_RELATED = {
    NewsPage: (["category"], ["tags"]),
    AnnualReportPage: ([], ["key_figures"]),
    ChronicleEntryPage: (["category"], []),
}


def page_text(page: Page) -> str:
    """All the searchable text of a page as it is in its row (the latest draft of a page never published)."""
    page = page.specific
    fields = _FIELDS.get(type(page))
    if fields is None:
        return page.title
    values = fields(page)
    return "\n".join([page.title, values["digest"], " ".join(values["tags"]), values["category_name"], values["body"]])


def _sites_by_root_path() -> list[tuple[str, Site]]:
    return sorted(
        ((site.root_page.path, site) for site in Site.objects.select_related("root_page")),
        key=lambda item: -len(item[0]),
    )


def _site_of(page: Page, sites: list[tuple[str, Site]]) -> Site | None:
    for root_path, site in sites:
        if page.path.startswith(root_path):
            return site
    return None


def _column_of(page: Page, site: Site, columns: dict[str, Page]) -> Page | None:
    """The section directly below the site's home page that holds `page` (栏目); `columns` caches them by path."""
    depth = site.root_page.depth + 1
    if page.depth <= depth:
        return None
    path = page.path[: depth * Page.steplen]
    if path not in columns:
        columns[path] = Page.objects.filter(path=path).only("slug", "title").first()
    return columns[path]


def _document(page: Page, sites, columns) -> Document | None:
    """The document of a page already known to be public; None outside every site."""
    site = _site_of(page, sites)
    if site is None:
        return None
    column = _column_of(page, site, columns)
    url = page.get_url_parts()
    return Document(
        page_id=page.pk,
        site_id=site.pk,
        type=DOCUMENT_MODELS[type(page)],
        title=page.title,
        column=column.slug if column else "",
        column_title=column.title if column else "",
        url=url[2] if url else page.url_path,
        **_FIELDS[type(page)](page),
    )


def searchable_pages():
    """Pages of the searched types that anonymous readers may see."""
    return public_anywhere(Page.objects.type(*DOCUMENT_MODELS)).order_by("pk")


def documents_for(page_ids: Iterable[int], sites=None) -> list[Document]:
    """Documents of these pages, in id order; pages readers may not see (or gone) give none."""
    sites = sites if sites is not None else _sites_by_root_path()
    ids = list(searchable_pages().filter(pk__in=list(page_ids)).values_list("pk", flat=True))
    columns: dict[str, Page] = {}
    documents = []
    for model in DOCUMENT_MODELS:
        select, prefetch = _RELATED[model]
        pages = model.objects.filter(pk__in=ids).select_related(*select).prefetch_related(*prefetch)
        documents += [doc for page in pages if (doc := _document(page, sites, columns)) is not None]
    return sorted(documents, key=lambda doc: doc.page_id)


def iter_documents(batch_size: int = 500) -> Iterator[Document]:
    """Documents of every page readers may see, read in batches (for full rebuilds)."""
    sites = _sites_by_root_path()
    ids = list(searchable_pages().values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        yield from documents_for(ids[start : start + batch_size], sites)
