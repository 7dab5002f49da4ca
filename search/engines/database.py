"""The embedded engine: full-text search in the site's own database.

PostgreSQL: a tsvector per document of its distinct analysed terms, matched
with a tsquery of the required terms under a GIN index, and ranked with a small
second tsvector of the title (weight A) and lead (digest, tags, category: B)
with positions. SQLite (the quick
start): an FTS5 table of the same terms, ranked with bm25. Both vectors are
written and queried as literals of our own terms, so user input never reaches
a query parser, and the database's own word splitting (which keeps a run of
Chinese characters whole) plays no part.

Ranking: the text rank (of the title and lead on PostgreSQL; bm25 over all text
on SQLite), plus a bonus when the title contains a whole phrase of the query,
then the date (newest first) as the tie-breaker.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict

from django.db import connection, transaction
from django.utils import timezone

from search import analysis
from search.engine import (
    DOCUMENT_TYPES,
    Document,
    FacetValue,
    Hit,
    SearchEngine,
    SearchRequest,
    SearchResults,
    Suggestion,
    batched,
    snippet,
    type_label,
)
from search.models import SearchDocument

TABLE = SearchDocument._meta.db_table
# PostgreSQL keeps at most 256 positions per lexeme and positions up to 16383.
MAX_POSITIONS = 256
MAX_POSITION = 16383
# What a whole query phrase found in the title adds to the text rank.
TITLE_PHRASE_BONUS = 1.0
BATCH_SIZE = 500


def _quote(term: str, quote: str) -> str:
    return quote + term.replace("\\", "\\\\").replace(quote, quote + quote) + quote


def _weighted_fields(document: Document) -> list[tuple[str, str]]:
    """(text, weight) of each part of a document: title A, digest / tags / category B, body C."""
    extra = " ".join([document.digest, " ".join(document.tags), document.category_name, document.column_title])
    return [(document.title, "A"), (extra, "B"), (document.body, "C")]


def _analysed_fields(document: Document) -> list[tuple[list[str], str]]:
    """(terms, weight) of each part of a document, each text analysed once."""
    return [(analysis.analyze(text), weight) for text, weight in _weighted_fields(document)]


def tsvector_literal(fields: list[tuple[list[str], str]]) -> str:
    """(terms, weight) pairs as a PostgreSQL tsvector literal, with positions and weights."""
    positions: dict[str, list[str]] = {}
    position = 0
    for terms, weight in fields:
        for term in terms:
            position = min(position + 1, MAX_POSITION)
            slots = positions.setdefault(term, [])
            if len(slots) < MAX_POSITIONS:
                slots.append(f"{position}{weight}")
    return " ".join(_quote(term, "'") + ":" + ",".join(slots) for term, slots in positions.items())


def lexemes_literal(fields: list[tuple[list[str], str]]) -> str:
    """The distinct terms as a tsvector literal without positions: for matching only.

    Positions would make every document's vector several times larger, and a
    query matching most pages reads all of them.
    """
    terms = dict.fromkeys(term for field_terms, _weight in fields for term in field_terms)
    return " ".join(_quote(term, "'") for term in terms)


def _vector_row(document: Document) -> tuple:
    """What the full-text part of the database stores for a document."""
    fields = _analysed_fields(document)
    if connection.vendor == "postgresql":
        return lexemes_literal(fields), tsvector_literal(fields[:2]), document.page_id
    (title, _), (extra, _), (body, _) = fields
    return document.page_id, " ".join(title), " ".join(extra + body)


class DatabaseEngine(SearchEngine):
    name = "database"

    # --- writing -------------------------------------------------------------
    def index(self, documents: Iterable[Document]) -> int:
        return sum(self._write(batch) for batch in batched(documents, BATCH_SIZE))

    def _write(self, documents: list[Document]) -> int:
        rows = [
            SearchDocument(**asdict(doc) | {"tags": list(doc.tags), "title_normalized": analysis.normalize(doc.title)})
            for doc in documents
        ]
        fields = [f.name for f in SearchDocument._meta.concrete_fields if not f.primary_key]
        # Analysis is the slow part: done before the transaction, so no lock waits on it.
        vectors = [_vector_row(doc) for doc in documents]
        with transaction.atomic():
            SearchDocument.objects.bulk_create(
                rows, update_conflicts=True, unique_fields=["page"], update_fields=fields
            )
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    cursor.executemany(
                        f"UPDATE {TABLE} SET search_vector = %s::tsvector, title_vector = %s::tsvector "
                        "WHERE page_id = %s",
                        vectors,
                    )
                else:
                    ids = [doc.page_id for doc in documents]
                    cursor.execute(f"DELETE FROM search_fts WHERE rowid IN ({','.join(['%s'] * len(ids))})", ids)
                    cursor.executemany("INSERT INTO search_fts (rowid, title, body) VALUES (%s, %s, %s)", vectors)
        return len(documents)

    def delete(self, page_ids: Iterable[int]) -> None:
        # The SQLite trigger empties search_fts with the rows.
        SearchDocument.objects.filter(page_id__in=list(page_ids)).delete()

    def rebuild(self, documents: Iterable[Document], progress: Callable[[int], None] | None = None) -> int:
        """Write every document, then drop those of pages no longer listed.

        Readers keep their answers throughout: rows are replaced in place, and only
        documents that are not in the new set go, at the end.
        """
        seen: set[int] = set()
        for batch in batched(documents, BATCH_SIZE):
            self._write(batch)
            seen.update(doc.page_id for doc in batch)
            if progress:
                progress(len(batch))
        stale = set(SearchDocument.objects.values_list("page_id", flat=True)) - seen
        self.delete(stale)
        if connection.vendor == "postgresql":
            # Fresh statistics, or the planner may ignore the GIN index until autovacuum comes by.
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {TABLE}")
        return len(seen)

    def ping(self) -> None:
        SearchDocument.objects.exists()

    # --- reading -------------------------------------------------------------
    def _match(self, query: analysis.AnalyzedQuery) -> tuple[str, str, list, str, list]:
        """FROM clause, the condition that keeps the matches, and the text rank (higher is better), with parameters."""
        base = f"{TABLE} d JOIN wagtailcore_page p ON p.id = d.page_id"
        if connection.vendor == "postgresql":
            required = " & ".join(_quote(term, "'") for term in query.required)
            words = " | ".join(_quote(term, "'") for term in query.words or query.required)
            return (
                base,
                "d.search_vector @@ %s::tsquery",
                [required],
                # Ranked on the small title-and-lead vector: ranking every match's whole
                # text costs more than the match itself for common words (图书馆).
                "ts_rank(d.title_vector, %s::tsquery)",
                [words],
            )
        required = " AND ".join(_quote(term, '"') for term in query.required)
        words = " OR ".join(_quote(term, '"') for term in query.words or query.required)
        # The OR group never narrows the match (the required terms satisfy it) but
        # counts in bm25, so documents holding the query's words rank higher.
        return (
            f"search_fts JOIN {TABLE} d ON d.page_id = search_fts.rowid JOIN wagtailcore_page p ON p.id = d.page_id",
            "search_fts MATCH %s",
            [f"({required}) AND ({words})"],
            "(-bm25(search_fts, 10.0, 1.0))",
            [],
        )

    @staticmethod
    def _filters(request: SearchRequest) -> tuple[str, list]:
        clauses = [
            "d.site_id = %s",
            "p.live",
            "(p.expire_at IS NULL OR p.expire_at > %s)",
        ]
        params: list = [request.site_id, timezone.now()]
        for column, value in (
            ("type", request.type),
            ("column", request.column),
            ("category", request.category),
            ("year", request.year),
        ):
            if value not in (None, ""):
                clauses.append(f"d.{column} = %s")
                params.append(value)
        if request.date_from:
            clauses.append("d.date >= %s")
            params.append(request.date_from)
        if request.date_to:
            clauses.append("d.date <= %s")
            params.append(request.date_to)
        return " AND ".join(clauses), params

    def search(self, request: SearchRequest) -> SearchResults:
        query = analysis.analyze_query(request.q)
        if query.empty:
            return SearchResults(total=0, hits=[], facets={"type": [], "year": [], "category": []})
        tables, match_sql, match_params, rank_sql, rank_params = self._match(query)
        filter_sql, filter_params = self._filters(request)
        source = f"FROM {tables} WHERE {match_sql} AND {filter_sql}"
        params = match_params + filter_params
        phrase_bonus = " + ".join(
            [f"CASE WHEN d.title_normalized LIKE %s ESCAPE '\\' THEN {TITLE_PHRASE_BONUS} ELSE 0 END"]
            * len(query.phrases)
        )
        phrase_params = [f"%{_like_escape(phrase)}%" for phrase in query.phrases]
        score_sql = f"{rank_sql} + {phrase_bonus}" if phrase_bonus else rank_sql
        offset = (request.page - 1) * request.page_size
        with connection.cursor() as cursor:
            # One pass over the matches gives the total and every facet.
            cursor.execute(
                f"SELECT d.type, d.year, d.category, MIN(d.category_name), COUNT(*) {source} "
                "GROUP BY d.type, d.year, d.category",
                params,
            )
            groups = cursor.fetchall()
            total = sum(row[-1] for row in groups)
            hits = []
            if total > offset:
                cursor.execute(
                    # Only ids and scores are sorted: the texts of the page of hits are read after.
                    f"SELECT d.page_id, {score_sql} AS score "
                    f"{source} ORDER BY score DESC, d.date DESC, d.page_id DESC LIMIT %s OFFSET %s",
                    rank_params + phrase_params + params + [request.page_size, offset],
                )
                scores = dict(cursor.fetchall())
                rows = SearchDocument.objects.filter(page_id__in=scores).values_list(
                    "page_id", "title", "url", "type", "date", "digest", "body"
                )
                by_id = {row[0]: row for row in rows}
                hits = [self._hit(by_id[page_id], scores[page_id], query) for page_id in scores if page_id in by_id]
        return SearchResults(total=total, hits=hits, facets=self._facets(groups))

    @staticmethod
    def _hit(row, score, query: analysis.AnalyzedQuery) -> Hit:
        page_id, title, url, doc_type, date, digest, body = row
        return Hit(
            page_id=page_id,
            title=title,
            url=url,
            type=doc_type,
            date=date,
            snippet=snippet(body, digest, query.phrases),
            title_highlighted=analysis.highlight_all(title, query.phrases),
            score=float(score),
        )

    @staticmethod
    def _facets(groups) -> dict[str, list[FacetValue]]:
        """Facet counts from the matches grouped by (type, year, category)."""
        types: Counter = Counter()
        years: Counter = Counter()
        categories: Counter = Counter()
        names: dict[str, str] = {}
        for doc_type, year, category, category_name, count in groups:
            types[doc_type] += count
            if year is not None:
                years[year] += count
            if category:
                categories[category] += count
                names[category] = category_name
        order = {value: i for i, value in enumerate(DOCUMENT_TYPES)}
        return {
            "type": [
                FacetValue(value, type_label(value), count)
                for value, count in sorted(types.items(), key=lambda item: order.get(item[0], len(order)))
            ],
            "year": [FacetValue(str(year), str(year), count) for year, count in sorted(years.items(), reverse=True)],
            "category": [
                FacetValue(value, names[value], count)
                for value, count in sorted(categories.items(), key=lambda item: (-item[1], item[0]))
            ],
        }

    def suggest(self, prefix: str, site_id: int, limit: int = 10) -> list[Suggestion]:
        text = analysis.normalize(prefix.strip())
        if not text:
            return []
        pattern = _like_escape(text)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT d.page_id, d.title, d.url, d.type FROM {TABLE} d JOIN wagtailcore_page p ON p.id = d.page_id "
                "WHERE d.site_id = %s AND p.live AND (p.expire_at IS NULL OR p.expire_at > %s) "
                "AND d.title_normalized LIKE %s ESCAPE '\\' "
                "ORDER BY CASE WHEN d.title_normalized LIKE %s ESCAPE '\\' THEN 0 ELSE 1 END, d.date DESC, d.page_id DESC "
                "LIMIT %s",
                [site_id, timezone.now(), f"%{pattern}%", f"{pattern}%", limit * 3],
            )
            rows = cursor.fetchall()
        suggestions, titles = [], set()
        for page_id, title, url, doc_type in rows:
            if title not in titles:
                titles.add(title)
                suggestions.append(Suggestion(page_id=page_id, title=title, url=url, type=doc_type))
        return suggestions[:limit]


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
