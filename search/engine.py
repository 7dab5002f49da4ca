"""The search port: one interface, two engines behind it.

Callers (the API, the index tasks, `manage.py search_rebuild`, the benchmarks)
only use `get_engine()` and the types below. Which engine answers is a setting:
the embedded `database` engine by default, `elasticsearch` when
`ELASTICSEARCH_URL` is set. Both read the same documents (search/documents.py)
analysed by the same function (search/analysis.py), so they agree on results.
"""

from __future__ import annotations

import abc
import datetime
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import pgettext

from search import analysis

# Kinds of page that are documents, as the API names them.
DOCUMENT_TYPES = ("news", "report", "chronicle")


def type_label(value: str) -> str:
    """What readers call a document type, in their language (facet labels)."""
    labels = {
        "news": pgettext("search result type", "News"),
        "report": pgettext("search result type", "Annual report"),
        "chronicle": pgettext("search result type", "Chronicle entry"),
    }
    return labels.get(value, value)


def snippet(body: str, digest: str, phrases: tuple[str, ...]) -> str:
    """The excerpt a reader sees: from the body where it holds a phrase, else from the digest, else the body's start."""
    for text in (body, digest):
        normalized = analysis.normalize(text)
        if text and any(phrase in normalized for phrase in phrases):
            return analysis.highlight(text, phrases)
    return analysis.highlight(digest or body, phrases)


def batched(items: Iterable, size: int) -> Iterator[list]:
    """Lists of up to `size` items, in order (itertools.batched arrives with Python 3.12)."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


@dataclass(frozen=True)
class Document:
    """What one live, public page is as a search document. Built by search/documents.py."""

    page_id: int
    site_id: int
    type: str  # one of DOCUMENT_TYPES
    title: str
    body: str  # plain text flattened from StreamField and rich text
    digest: str  # the summary a reader sees in lists; may be empty
    date: datetime.date | None
    year: int | None
    column: str  # slug of the index page the page sits under (栏目)
    column_title: str
    category: str  # category slug, "" when none
    category_name: str
    tags: tuple[str, ...]
    url: str  # public path on its site, e.g. "/news/2024-04-23/"


@dataclass(frozen=True)
class SearchRequest:
    """A reader's query with its filters. `q` is the raw text; engines analyse it."""

    q: str
    site_id: int
    type: str | None = None
    column: str | None = None
    category: str | None = None
    year: int | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    page: int = 1
    page_size: int = 10


@dataclass(frozen=True)
class Hit:
    page_id: int
    title: str
    url: str
    type: str
    date: datetime.date | None
    snippet: str  # HTML: escaped text with the matched words wrapped in <em>
    title_highlighted: str  # HTML, same rules
    score: float


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int


@dataclass
class SearchResults:
    total: int
    hits: list[Hit]
    # "type", "year" and "category", each value with its count over all matches
    # (the type / year / category filter of the request itself applied too).
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)


@dataclass(frozen=True)
class Suggestion:
    page_id: int
    title: str
    url: str
    type: str


class SearchError(Exception):
    """The engine cannot answer (unreachable, misconfigured). The API answers 503."""


class SearchEngine(abc.ABC):
    """What every engine does. All methods are idempotent."""

    name: str

    @abc.abstractmethod
    def index(self, documents: Iterable[Document]) -> int:
        """Add or replace these documents; return how many were written."""

    @abc.abstractmethod
    def delete(self, page_ids: Iterable[int]) -> None:
        """Remove these pages' documents; ids that are not indexed are ignored."""

    @abc.abstractmethod
    def search(self, request: SearchRequest) -> SearchResults:
        """Answer a query. An empty analysed query gives an empty result."""

    @abc.abstractmethod
    def suggest(self, prefix: str, site_id: int, limit: int = 10) -> list[Suggestion]:
        """Titles of the site's documents that contain `prefix`, best first."""

    @abc.abstractmethod
    def rebuild(
        self,
        documents: Iterable[Document],
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Replace the whole index with these documents; return the count.

        Readers keep getting answers from the old index until the new one is
        complete. `progress(n)` is called after each batch with its size.
        """

    @abc.abstractmethod
    def ping(self) -> None:
        """Raise SearchError when the engine cannot be reached."""


def get_engine() -> SearchEngine:
    """The configured engine (settings.SEARCH_ENGINE: a dotted class path)."""
    return import_string(settings.SEARCH_ENGINE)()
