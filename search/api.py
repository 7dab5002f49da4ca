"""Reader search in the API: /api/v3/search/ and /api/v3/search/suggest/."""

import datetime
from http import HTTPStatus
from typing import Literal

from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from cms.api.common import reject_unknown_params, responses
from cms.api.visibility import request_site
from search import analysis
from search.engine import DOCUMENT_TYPES, SearchError, SearchRequest, get_engine

router = Router(tags=["search"])

PAGE_SIZE_MAX = 50
PAGE_MAX = 1000
SUGGEST_LIMIT_MAX = 20


class SearchParams(Schema):
    q: str = Field(
        "",
        description=f"What to look for, in Chinese or other words; up to {analysis.MAX_QUERY_LENGTH} characters. "
        "Traditional characters, full-width letters and spaces are fine; query operators are read as plain text.",
    )
    type: Literal[DOCUMENT_TYPES] | None = Field(None, description="news, report or chronicle")
    column: str | None = Field(None, description="Column slug (e.g. 工作动态)")
    category: str | None = Field(None, description="Category slug")
    year: int | None = Field(None, ge=1900, le=2100)
    date_from: datetime.date | None = Field(None, description="First date, YYYY-MM-DD")
    date_to: datetime.date | None = Field(None, description="Last date, YYYY-MM-DD")
    page: int = Field(1, ge=1, le=PAGE_MAX)
    page_size: int = Field(10, ge=1, le=PAGE_SIZE_MAX)


class SearchResultOut(Schema):
    id: int
    title: str
    title_highlighted: str = Field(description="The title as HTML, matched words in <em>")
    type: str = Field(description="news, report or chronicle")
    date: datetime.date | None
    path: str
    url: str
    snippet: str = Field(description="An excerpt as HTML (text escaped), matched words in <em>")


class FacetOut(Schema):
    value: str = Field(description="What to pass back as the filter of the same name")
    label: str
    count: int


class FacetsOut(Schema):
    type: list[FacetOut]
    year: list[FacetOut]
    category: list[FacetOut]


class SearchOut(Schema):
    total: int = Field(description="Matches in all, over every page of results")
    page: int
    page_size: int
    results: list[SearchResultOut]
    facets: FacetsOut = Field(description="Counts of the matches by type, year and category")


class SuggestParams(Schema):
    q: str = Field("", description="The beginning of a title, or any part of it")
    limit: int = Field(10, ge=1, le=SUGGEST_LIMIT_MAX)


class SuggestionOut(Schema):
    id: int
    title: str
    type: str
    path: str
    url: str


class SuggestOut(Schema):
    suggestions: list[SuggestionOut]


def _unprocessable(message: str) -> HttpError:
    return HttpError(HTTPStatus.UNPROCESSABLE_ENTITY, message)


def _checked_query(q: str) -> str:
    """The query text, or a 422 saying what is wrong with it."""
    text = q.strip()
    if not text:
        raise _unprocessable("q: enter something to search for.")
    if len(text) > analysis.MAX_QUERY_LENGTH:
        raise _unprocessable(f"q: at most {analysis.MAX_QUERY_LENGTH} characters.")
    if analysis.analyze_query(text).empty:
        raise _unprocessable("q: contains no letters, digits or Chinese characters to search for.")
    return text


def _ask_engine(method: str, *args):
    """Call the configured engine; a 503 problem when it cannot answer."""
    try:
        return getattr(get_engine(), method)(*args)
    except SearchError as error:
        raise HttpError(HTTPStatus.SERVICE_UNAVAILABLE, f"Search is unavailable for the moment: {error}") from error


@router.get(
    "/",
    response=responses(SearchOut, HTTPStatus.SERVICE_UNAVAILABLE),
    summary="Search the site",
    operation_id="search",
)
def search(request, params: Query[SearchParams]):
    """Live public news, reports and chronicle entries of the site that contain every word of `q`.

    Best matches first (title over body, whole phrases over scattered words,
    then newest first), with highlighted snippets and facet counts.
    """
    reject_unknown_params(request, set(SearchParams.model_fields))
    q = _checked_query(params.q)
    if params.date_from and params.date_to and params.date_from > params.date_to:
        raise _unprocessable("date_from: must not be after date_to.")
    site = request_site(request)
    query = SearchRequest(
        q=q,
        site_id=site.pk,
        **params.dict(exclude={"q"}),
    )
    results = _ask_engine("search", query)
    root_url = site.root_url
    return {
        "total": results.total,
        "page": params.page,
        "page_size": params.page_size,
        "results": [
            {
                "id": hit.page_id,
                "title": hit.title,
                "title_highlighted": hit.title_highlighted,
                "type": hit.type,
                "date": hit.date,
                "path": hit.url,
                "url": f"{root_url}{hit.url}",
                "snippet": hit.snippet,
            }
            for hit in results.hits
        ],
        "facets": {
            name: [{"value": f.value, "label": f.label, "count": f.count} for f in results.facets.get(name, [])]
            for name in ("type", "year", "category")
        },
    }


@router.get(
    "/suggest/",
    response=responses(SuggestOut, HTTPStatus.SERVICE_UNAVAILABLE),
    summary="Suggest titles",
    operation_id="search_suggest",
)
def suggest(request, params: Query[SuggestParams]):
    """Titles of live public pages of the site that contain `q`, those starting with it first."""
    reject_unknown_params(request, set(SuggestParams.model_fields))
    q = _checked_query(params.q)
    site = request_site(request)
    suggestions = _ask_engine("suggest", q, site.pk, params.limit)
    return {
        "suggestions": [
            {"id": s.page_id, "title": s.title, "type": s.type, "path": s.url, "url": f"{site.root_url}{s.url}"}
            for s in suggestions
        ]
    }
