"""Wagtail's own search (the admin's page explorer, its choosers) made to find Chinese text.

Wagtail 8 searches with the `modelsearch` package. Its database backend hands
text to PostgreSQL's parser or SQLite FTS5, which keep a run of Chinese
characters whole: 总分馆 would never match 全县总分馆建设工作. So:

- every page type gets one more search field, `search_terms`: its text through
  search.analysis (words, bigrams, characters) separated by spaces, which both
  databases split exactly there. It is attached by SearchConfig.ready(), because
  page models do not import the search app;
- the backend below turns a query into the analysed terms every match must
  hold, so the query finds any text that contains it, as reader search does.

Configured in settings.WAGTAILSEARCH_BACKENDS as "search.admin_search".
"""

import functools

from modelsearch import index
from modelsearch.backends.database import SearchBackend as _database_backend
from modelsearch.query import And, Not, Or, Phrase, PlainText
from wagtail.models import get_page_models

from search import analysis
from search.documents import page_text

SEARCH_TERMS_FIELD = "search_terms"


def search_terms(page) -> str:
    """The page's analysed text, terms separated by spaces."""
    return " ".join(analysis.analyze(page_text(page)))


def add_search_terms_to_pages() -> None:
    """Give every page type the `search_terms` field, for full-text and for as-you-type search.

    Also `expire_at` as a filter: the API's visibility rule (cms.api.visibility)
    filters on it, and Wagtail's search refuses filters on undeclared fields, so
    `/api/v2/pages/?search=` answered 400 without it.
    """
    for model in get_page_models():
        if any(field.field_name == SEARCH_TERMS_FIELD for field in model.search_fields):
            continue
        model.search_terms = search_terms
        model.search_fields = [
            *model.search_fields,
            index.SearchField(SEARCH_TERMS_FIELD),
            index.AutocompleteField(SEARCH_TERMS_FIELD),
            index.FilterField("expire_at"),
        ]


def chinese_query(query):
    """`query` (a string, or modelsearch's parsed query) with its text replaced by the analysed terms it requires."""
    if isinstance(query, str | PlainText | Phrase):
        text = query if isinstance(query, str) else query.query_string
        analysed = analysis.analyze_query(text[: analysis.MAX_QUERY_LENGTH])
        if analysed.empty:
            return query
        return PlainText(" ".join(analysed.required), operator="and")
    if isinstance(query, And | Or):
        return type(query)([chinese_query(subquery) for subquery in query.subqueries])
    if isinstance(query, Not):
        return Not(chinese_query(query.subquery))
    return query


class ChineseQueries:
    """Queries become the terms of search.analysis that every match must contain."""

    def _search(self, query_compiler_class, query, model_or_queryset, **kwargs):
        if not kwargs.get("fields"):  # a search limited to named fields does not look at search_terms
            query = chinese_query(query)
        return super()._search(query_compiler_class, query, model_or_queryset, **kwargs)


@functools.cache
def _chinese_class(backend_class):
    return type(f"Chinese{backend_class.__name__}", (ChineseQueries, backend_class), {})


def SearchBackend(params):  # noqa: N802 (the name Wagtail looks up in a backend module)
    """modelsearch's database backend for the database in use (each vendor's module imports only on it), Chinese."""
    return _chinese_class(type(_database_backend(params)))(params)
