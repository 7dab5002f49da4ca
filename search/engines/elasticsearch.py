"""The engine for scale: an Elasticsearch cluster, through `elasticsearch.dsl`.

Matching uses the same terms as the database engine: search.analysis turns each
text into terms in Python, they are stored space-separated in `*_terms` fields
analysed with `whitespace`, and a query must contain every required term of the
reader's query in one field or another. The original texts are also indexed with
a CJK bigram analyzer, for phrase boosts and for Elasticsearch's highlighting,
and with IK where the cluster has it. Where that highlighting marks nothing, the
snippet comes from the database engine's `snippet` (search.analysis), as do the
type labels, so both engines show the same.
User input only ever reaches the cluster as analysed terms, never through a
query parser.

Readers query an alias (settings.ELASTICSEARCH_INDEX); each rebuild fills a new
index and then moves the alias to it in one step.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict

from django.conf import settings
from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout, TransportError
from elasticsearch import ApiError, BadRequestError, Elasticsearch, NotFoundError, dsl, helpers

from search import analysis
from search.engine import (
    DOCUMENT_TYPES,
    Document,
    FacetValue,
    Hit,
    SearchEngine,
    SearchError,
    SearchRequest,
    SearchResults,
    Suggestion,
    batched,
    snippet,
    type_label,
)

REQUEST_TIMEOUT = 5
# Bulk requests carry up to BATCH_SIZE whole documents: allow them longer.
BULK_TIMEOUT = 60
BATCH_SIZE = 500
SNIPPET_LENGTH = 120
# index.max_result_window: Elasticsearch refuses from + size beyond it.
MAX_RESULT_WINDOW = 10_000
FACETS = ("type", "year", "category")
FACET_SIZE = 100

# Field weights follow the database engine (PostgreSQL's default weights for
# its A / B / C parts): title, then digest and labels, then body.
TERMS_FIELDS = ("title_terms^5", "digest_terms^2", "labels_terms^2", "body_terms")
PHRASE_BOOSTS = {"title": 5, "body": 1}

# What Elasticsearch itself does with Chinese text: the texts are shown and
# highlighted from these fields, matching is on the *_terms fields.
CJK = dsl.analyzer("cjk_text", tokenizer="standard", filter=["cjk_width", "lowercase", "cjk_bigram"])


class PageDocument(dsl.Document):
    """A search.engine.Document as the index holds it: its fields plus their analysed terms."""

    page_id = dsl.Integer()
    site_id = dsl.Keyword()
    type = dsl.Keyword()
    column = dsl.Keyword()
    category = dsl.Keyword()
    # Only read back, as the category facet's label.
    category_name = dsl.Keyword(index=False)
    tags = dsl.Keyword(multi=True)
    date = dsl.Date(format="strict_date")
    year = dsl.Integer()
    url = dsl.Keyword(index=False, doc_values=False)
    # `raw` makes suggestions unique by title (collapse needs a keyword).
    title = dsl.Text(analyzer=CJK, fields={"raw": dsl.Keyword()})
    digest = dsl.Text(analyzer=CJK)
    # Stored offsets let the highlighter skip re-analysing long reports.
    body = dsl.Text(analyzer=CJK, index_options="offsets")
    # Terms from search.analysis.analyze; phrases are matched on the texts, so no positions.
    title_terms = dsl.Text(analyzer="whitespace", index_options="freqs")
    digest_terms = dsl.Text(analyzer="whitespace", index_options="freqs")
    # Tags, category name and column title: what the database engine ranks with the digest.
    labels_terms = dsl.Text(analyzer="whitespace", index_options="freqs")
    body_terms = dsl.Text(analyzer="whitespace", index_options="freqs")

    class Meta:
        dynamic = dsl.MetaField("strict")

    @classmethod
    def from_document(cls, document: Document) -> PageDocument:
        fields = asdict(document)
        del fields["column_title"]  # searched through labels_terms only
        return cls(
            meta={"id": document.page_id},
            **fields
            | {
                # Left out when empty, so no facet value "" appears.
                "category": document.category or None,
                "category_name": document.category_name or None,
                "tags": list(document.tags),
                "title_terms": _terms(document.title),
                "digest_terms": _terms(document.digest),
                "labels_terms": _terms(*document.tags, document.category_name, document.column_title),
                "body_terms": _terms(document.body),
            },
        )


IK = dsl.Text(analyzer="ik_max_word", search_analyzer="ik_smart")


class IkPageDocument(PageDocument):
    """The same document on a cluster with the IK plugin: IK sub-fields add to the ranking."""

    title = dsl.Text(analyzer=CJK, fields={"raw": dsl.Keyword(), "ik": IK})
    body = dsl.Text(analyzer=CJK, index_options="offsets", fields={"ik": IK})


def _terms(*texts: str) -> str:
    # Each text on its own, so a run of characters never spans two tags.
    return " ".join(term for text in texts for term in analysis.analyze(text))


def document_class() -> type[PageDocument]:
    """The document class for this cluster: with IK sub-fields when settings.ELASTICSEARCH_IK."""
    return IkPageDocument if settings.ELASTICSEARCH_IK else PageDocument


def build_index(name: str) -> dsl.Index:
    """The definition of a concrete index called `name`: analysis settings and the strict mapping."""
    index = dsl.Index(name)
    index.mapping(document_class()._doc_type.mapping)
    return index


def _filters(request: SearchRequest) -> list[dsl.Query]:
    filters = [dsl.Q("term", site_id=request.site_id)]
    for field in ("type", "column", "category", "year"):
        value = getattr(request, field)
        if value not in (None, ""):
            filters.append(dsl.Q("term", **{field: value}))
    dates = {}
    if request.date_from:
        dates["gte"] = request.date_from.isoformat()
    if request.date_to:
        dates["lte"] = request.date_to.isoformat()
    if dates:
        filters.append(dsl.Q("range", date=dates))
    return filters


def build_search(request: SearchRequest, query: analysis.AnalyzedQuery) -> dsl.Search:
    """The search for `request`, whose text analyses to the non-empty `query`; no index or client bound."""
    should = [
        dsl.Q("match_phrase", **{field: {"query": phrase, "boost": boost}})
        for phrase in query.phrases
        for field, boost in PHRASE_BOOSTS.items()
    ]
    if query.words:
        should.append(dsl.Q("multi_match", query=" ".join(query.words), fields=list(TERMS_FIELDS)))
    if settings.ELASTICSEARCH_IK:
        should.append(dsl.Q("multi_match", query=" ".join(query.phrases), fields=["title.ik^5", "body.ik"]))
    match = dsl.Q(
        "bool",
        filter=_filters(request),
        must=[
            dsl.Q(
                "multi_match",
                query=" ".join(query.required),
                type="cross_fields",
                operator="and",
                fields=list(TERMS_FIELDS),
            )
        ],
        should=should,
    )
    start = min((request.page - 1) * request.page_size, MAX_RESULT_WINDOW)
    size = min(request.page_size, MAX_RESULT_WINDOW - start)
    search = (
        dsl.Search()
        .query(match)
        .sort("_score", {"date": {"order": "desc", "missing": "_last"}}, {"page_id": {"order": "desc"}})
        .source(["page_id", "title", "url", "type", "date", "digest", "body"])
        .extra(track_total_hits=True)
        .highlight_options(pre_tags=["<em>"], post_tags=["</em>"], encoder="html")
        # The whole title, and one excerpt of the body.
        .highlight("title", number_of_fragments=0)
        .highlight("body", fragment_size=SNIPPET_LENGTH, number_of_fragments=1)
    )[start : start + size]
    search.aggs.bucket("type", "terms", field="type", size=len(DOCUMENT_TYPES))
    search.aggs.bucket("year", "terms", field="year", size=FACET_SIZE, order={"_key": "desc"})
    search.aggs.bucket(
        "category", "terms", field="category", size=FACET_SIZE, order=[{"_count": "desc"}, {"_key": "asc"}]
    ).bucket("name", "terms", field="category_name", size=1)
    return search


def build_suggest(query: analysis.AnalyzedQuery, site_id: int, limit: int) -> dsl.Search:
    """Titles of the site holding the non-empty analysed prefix `query`, newest first, one per title."""
    match = dsl.Q(
        "bool",
        filter=[dsl.Q("term", site_id=site_id)],
        should=[
            dsl.Q("match", title_terms={"query": " ".join(query.required), "operator": "and"}),
            # Also a word still being typed: "lib" of "library".
            dsl.Q("match_phrase_prefix", title=" ".join(query.phrases)),
        ],
        minimum_should_match=1,
    )
    return (
        dsl.Search()
        .query(match)
        .sort({"date": {"order": "desc", "missing": "_last"}}, {"page_id": {"order": "desc"}})
        .collapse("title.raw")
        .source(["page_id", "title", "url", "type"])
    )[:limit]


def _highlighted(hit: dict, field: str) -> str | None:
    """Elasticsearch's highlight of `field`, if it marked anything."""
    fragments = hit.get("highlight", {}).get(field)
    return fragments[0] if fragments and "<em>" in fragments[0] else None


def read_results(response: dict, query: analysis.AnalyzedQuery) -> SearchResults:
    """SearchResults from the body of Elasticsearch's answer to build_search()."""
    hits = []
    for hit in response["hits"]["hits"]:
        source = hit["_source"]
        hits.append(
            Hit(
                page_id=source["page_id"],
                title=source["title"],
                url=source["url"],
                type=source["type"],
                date=datetime.date.fromisoformat(source["date"]) if source.get("date") else None,
                # Where the CJK analyzer saw no match (traditional characters, or a
                # match in the digest only), search.analysis highlights instead.
                snippet=_highlighted(hit, "body") or snippet(source["body"], source["digest"], query.phrases),
                title_highlighted=_highlighted(hit, "title") or analysis.highlight_all(source["title"], query.phrases),
                score=float(hit["_score"]),
            )
        )
    aggregations = response.get("aggregations", {})
    buckets = {name: aggregations.get(name, {}).get("buckets", []) for name in FACETS}
    order = {value: i for i, value in enumerate(DOCUMENT_TYPES)}
    facets = {
        "type": [
            FacetValue(b["key"], type_label(b["key"]), b["doc_count"])
            for b in sorted(buckets["type"], key=lambda b: order.get(b["key"], len(order)))
        ],
        "year": [FacetValue(str(b["key"]), str(b["key"]), b["doc_count"]) for b in buckets["year"]],
        "category": [
            FacetValue(b["key"], next((n["key"] for n in b["name"]["buckets"]), b["key"]), b["doc_count"])
            for b in buckets["category"]
        ],
    }
    return SearchResults(total=response["hits"]["total"]["value"], hits=hits, facets=facets)


@functools.cache
def _client(url: str) -> Elasticsearch:
    # One client (and connection pool) per process and address.
    if not url:
        raise SearchError("ELASTICSEARCH_URL is not set.")
    return Elasticsearch(url, request_timeout=REQUEST_TIMEOUT)


@contextlib.contextmanager
def _translated_errors() -> Iterator[None]:
    """Failures of the cluster or the transport as SearchError, worded for the API's 503 and the task log."""
    try:
        yield
    except ConnectionTimeout as error:
        raise SearchError("Elasticsearch did not answer in time.") from error
    except TransportConnectionError as error:
        raise SearchError("Elasticsearch cannot be reached.") from error
    except ApiError as error:
        if error.error == "index_not_found_exception":
            raise SearchError("The search index does not exist yet: run `manage.py search_rebuild`.") from error
        raise SearchError(f"Elasticsearch refused the request ({error.status_code} {error.error}).") from error
    except TransportError as error:
        raise SearchError(f"Elasticsearch transport failed: {error.message}") from error
    except helpers.BulkIndexError as error:
        # Each error is {"index": {"_id": ..., "error": {"type": ..., "reason": ...}}}.
        detail = next(iter(error.errors[0].values())).get("error")
        raise SearchError(f"Elasticsearch rejected {len(error.errors)} document(s); the first: {detail}") from error


class ElasticsearchEngine(SearchEngine):
    name = "elasticsearch"

    def __init__(self) -> None:
        self.alias = settings.ELASTICSEARCH_INDEX

    @property
    def client(self) -> Elasticsearch:
        """The process's client for settings.ELASTICSEARCH_URL, created on first use."""
        return _client(settings.ELASTICSEARCH_URL)

    def _new_index_name(self) -> str:
        return f"{self.alias}-{datetime.datetime.now(datetime.UTC):%Y%m%d%H%M%S%f}"

    def _bulk(self, actions: Iterable[dict], index: str, **options) -> int:
        client = self.client.options(request_timeout=BULK_TIMEOUT)
        return helpers.bulk(client, actions, index=index, **options)[0]

    @staticmethod
    def _index_actions(documents: Iterable[Document]) -> list[dict]:
        return [PageDocument.from_document(doc).to_dict(include_meta=True) for doc in documents]

    # --- writing -------------------------------------------------------------
    def index(self, documents: Iterable[Document]) -> int:
        """Write these documents through the alias, creating index and alias first if there are none.

        Not refreshed: readers see the documents after the index's refresh interval (1 s by default).
        """
        actions = self._index_actions(documents)
        if not actions:
            return 0
        with _translated_errors():
            self._ensure_index()
            # require_alias: never let a write auto-create an unmapped index under the alias's name.
            return self._bulk(actions, self.alias, require_alias=True)

    def _ensure_index(self) -> None:
        """Create the first index, `<alias>-initial`, with the alias, unless the alias exists."""
        if self.client.indices.exists(index=self.alias):
            return
        try:
            # A fixed name, so that two workers doing this at once cannot put the alias on two indices.
            build_index(f"{self.alias}-initial").aliases(**{self.alias: {}}).create(using=self.client)
        except BadRequestError as error:
            if error.error != "resource_already_exists_exception":
                raise

    def delete(self, page_ids: Iterable[int]) -> None:
        actions = [{"_op_type": "delete", "_id": page_id} for page_id in page_ids]
        if not actions:
            return
        with _translated_errors():
            # 404: not indexed (or no index at all), which is the end state wanted.
            self._bulk(actions, self.alias, require_alias=True, ignore_status=(404,))

    def rebuild(self, documents: Iterable[Document], progress: Callable[[int], None] | None = None) -> int:
        """Fill a new index `<alias>-<UTC timestamp>`, refresh it, then move the alias to it.

        The alias moves and the previous indices are deleted in one atomic
        update_aliases request, so readers always get answers, from the old
        index until the new one is complete. On failure the new index is
        deleted and the alias is left as it was.
        """
        name = self._new_index_name()
        count = 0
        with _translated_errors():
            build_index(name).create(using=self.client)
            try:
                for batch in batched(documents, BATCH_SIZE):
                    count += self._bulk(self._index_actions(batch), name)
                    if progress:
                        progress(len(batch))
                self.client.indices.refresh(index=name)
                previous = self._concrete_indices()
                self.client.indices.update_aliases(
                    actions=[
                        {"add": {"index": name, "alias": self.alias}},
                        # remove_index also takes a concrete index that has the alias's name.
                        *({"remove_index": {"index": old}} for old in previous),
                    ]
                )
            except BaseException:
                with contextlib.suppress(ApiError, TransportError):
                    self.client.indices.delete(index=name)
                raise
        return count

    def _concrete_indices(self) -> list[str]:
        """The indices the alias resolves to now (none before the first index)."""
        try:
            return sorted(self.client.indices.get_alias(index=self.alias))
        except NotFoundError:
            return []

    def ping(self) -> None:
        with _translated_errors():
            self.client.info()

    # --- reading -------------------------------------------------------------
    def search(self, request: SearchRequest) -> SearchResults:
        query = analysis.analyze_query(request.q)
        if query.empty:
            return SearchResults(total=0, hits=[], facets={name: [] for name in FACETS})
        search = build_search(request, query).using(self.client).index(self.alias)
        with _translated_errors():
            response = search.execute().to_dict()
        return read_results(response, query)

    def suggest(self, prefix: str, site_id: int, limit: int = 10) -> list[Suggestion]:
        query = analysis.analyze_query(prefix)
        if query.empty:
            return []
        search = build_suggest(query, site_id, limit).using(self.client).index(self.alias)
        with _translated_errors():
            response = search.execute().to_dict()
        return [
            Suggestion(page_id=source["page_id"], title=source["title"], url=source["url"], type=source["type"])
            for source in (hit["_source"] for hit in response["hits"]["hits"])
        ]
