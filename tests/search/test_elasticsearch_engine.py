"""The Elasticsearch engine: its mapping and query bodies always; its answers when a server is there.

No Elasticsearch can run on the development machines, so the live tests are
skipped unless ELASTICSEARCH_URL is set; each then works in indices of its own
behind a fresh alias and deletes them at the end.
"""

import datetime
import json
import os
import uuid

import pytest
from django.utils import translation

from search.analysis import analyze_query
from search.engine import Document, SearchError, SearchRequest
from search.engines.elasticsearch import (
    BATCH_SIZE,
    MAX_RESULT_WINDOW,
    ElasticsearchEngine,
    PageDocument,
    build_index,
    build_search,
    build_suggest,
    read_results,
)

TERMS_FIELDS = ("title_terms", "digest_terms", "labels_terms", "body_terms")
# Nothing listens on the discard port: connections are refused at once.
UNREACHABLE = "http://127.0.0.1:9"


def make_document(page_id: int, title: str, body: str = "", **fields) -> Document:
    values = {
        "page_id": page_id,
        "site_id": 1,
        "type": "news",
        "title": title,
        "body": body,
        "digest": "",
        "date": datetime.date(2024, 4, 23),
        "year": 2024,
        "column": "news",
        "column_title": "工作动态",
        "category": "",
        "category_name": "",
        "tags": (),
        "url": f"/news/{page_id}/",
    }
    values.update(fields)
    return Document(**values)


def query_body(q: str, **request) -> dict:
    return build_search(SearchRequest(q=q, site_id=1, **request), analyze_query(q)).to_dict()


# --- the mapping ------------------------------------------------------------------


def test_mapping_is_strict_with_a_cjk_analyzer_and_whitespace_terms(settings):
    settings.ELASTICSEARCH_IK = False
    index = build_index("library-pages-test").to_dict()
    assert index["settings"]["analysis"]["analyzer"]["cjk_text"] == {
        "type": "custom",
        "tokenizer": "standard",
        "filter": ["cjk_width", "lowercase", "cjk_bigram"],
    }
    mapping = index["mappings"]
    assert mapping["dynamic"] == "strict"
    fields = mapping["properties"]
    for name in ("title", "digest", "body"):
        assert fields[name]["analyzer"] == "cjk_text"
    for name in TERMS_FIELDS:
        assert fields[name] == {"type": "text", "analyzer": "whitespace", "index_options": "freqs"}
    for name in ("site_id", "type", "column", "category", "tags"):
        assert fields[name] == {"type": "keyword"}
    assert fields["url"]["index"] is False
    assert fields["date"]["type"] == "date"
    assert fields["year"] == {"type": "integer"}
    assert "ik" not in fields["title"]["fields"]
    assert "fields" not in fields["body"]


def test_ik_sub_fields_only_where_the_cluster_has_ik(settings):
    settings.ELASTICSEARCH_IK = True
    fields = build_index("library-pages-test").to_dict()["mappings"]["properties"]
    for name in ("title", "body"):
        assert fields[name]["analyzer"] == "cjk_text"
        assert fields[name]["fields"]["ik"] == {
            "type": "text",
            "analyzer": "ik_max_word",
            "search_analyzer": "ik_smart",
        }
    # IK is a plugin of the cluster: nothing of it is defined in the index settings.
    assert set(build_index("library-pages-test").to_dict()["settings"]["analysis"]["analyzer"]) == {"cjk_text"}


def test_a_document_holds_its_analysed_terms_and_only_mapped_fields(settings):
    document = make_document(
        7,
        "县图书馆召开总分馆建设推进会",
        "因疫情圖書館暫停開放。",
        digest="总分馆建设",
        tags=("阅读推广",),
        category="meetings",
        category_name="会议",
    )
    action = PageDocument.from_document(document).to_dict(include_meta=True)
    assert action["_id"] == 7
    source = action["_source"]
    assert {"总分馆", "总分", "分馆", "图书馆"} <= set(source["title_terms"].split())
    # Terms are normalized: traditional characters are indexed as simplified.
    assert {"图书馆", "图书", "书馆"} <= set(source["body_terms"].split())
    assert source["body"] == "因疫情圖書館暫停開放。"
    assert {"阅读推广", "会议", "工作", "动态"} <= set(source["labels_terms"].split())
    properties = build_index("library-pages-test").to_dict()["mappings"]["properties"]
    assert set(source) <= set(properties)


def test_a_document_without_category_leaves_the_category_out():
    source = PageDocument.from_document(make_document(1, "闭馆通知", date=None, year=None)).to_dict()
    assert "category" not in source
    assert "category_name" not in source
    assert "date" not in source


# --- the search body --------------------------------------------------------------


def test_filters_narrow_to_the_site_and_the_chosen_values():
    body = query_body(
        "总分馆",
        type="report",
        column="news",
        category="meetings",
        year=2020,
        date_from=datetime.date(2020, 1, 1),
        date_to=datetime.date(2020, 12, 31),
    )
    assert body["query"]["bool"]["filter"] == [
        {"term": {"site_id": 1}},
        {"term": {"type": "report"}},
        {"term": {"column": "news"}},
        {"term": {"category": "meetings"}},
        {"term": {"year": 2020}},
        {"range": {"date": {"gte": "2020-01-01", "lte": "2020-12-31"}}},
    ]


def test_without_filters_only_the_site_narrows():
    assert query_body("总分馆")["query"]["bool"]["filter"] == [{"term": {"site_id": 1}}]


def test_every_required_term_must_be_in_some_field_title_weighing_most():
    (must,) = query_body("总分馆 阅读推广")["query"]["bool"]["must"]
    match = must["multi_match"]
    assert match["query"] == " ".join(analyze_query("总分馆 阅读推广").required) == "总分 分馆 阅读 读推 推广"
    assert match["type"] == "cross_fields"
    assert match["operator"] == "and"
    assert {field.split("^")[0] for field in match["fields"]} == set(TERMS_FIELDS)
    assert "title_terms^5" in match["fields"]
    assert "body_terms" in match["fields"]


def test_words_and_whole_phrases_add_to_the_ranking(settings):
    settings.ELASTICSEARCH_IK = False
    should = query_body("圖書館 总分馆")["query"]["bool"]["should"]
    assert {"match_phrase": {"title": {"query": "图书馆", "boost": 5}}} in should
    assert {"match_phrase": {"body": {"query": "总分馆", "boost": 1}}} in should
    words = next(clause["multi_match"] for clause in should if "multi_match" in clause)
    assert set(words["query"].split()) == set(analyze_query("圖書館 总分馆").words)
    assert "ik" not in json.dumps(should)


def test_ik_fields_rank_where_the_cluster_has_ik(settings):
    settings.ELASTICSEARCH_IK = True
    should = query_body("阅读推广")["query"]["bool"]["should"]
    assert {"multi_match": {"query": "阅读推广", "fields": ["title.ik^5", "body.ik"]}} in should


def test_raw_query_text_never_reaches_a_query_parser():
    q = 'title:(总分馆) OR "阅读推广" AND body:* NOT \\'
    text = json.dumps(query_body(q), ensure_ascii=False)
    assert "query_string" not in text
    for raw in ("title:", "body:*", " OR ", " AND ", " NOT ", '\\"阅读推广\\"'):
        assert raw not in text


def test_results_are_sorted_by_score_then_newest_and_highlighted():
    body = query_body("总分馆")
    assert body["sort"] == ["_score", {"date": {"order": "desc", "missing": "_last"}}, {"page_id": {"order": "desc"}}]
    assert body["track_total_hits"] is True
    highlight = body["highlight"]
    assert highlight["pre_tags"] == ["<em>"]
    assert highlight["post_tags"] == ["</em>"]
    assert highlight["encoder"] == "html"
    assert highlight["fields"]["title"] == {"number_of_fragments": 0}
    assert highlight["fields"]["body"] == {"fragment_size": 120, "number_of_fragments": 1}


def test_facets_are_aggregated_over_all_matches():
    aggs = query_body("总分馆")["aggs"]
    assert aggs["type"]["terms"]["field"] == "type"
    assert aggs["year"]["terms"]["field"] == "year"
    assert aggs["year"]["terms"]["order"] == {"_key": "desc"}
    assert aggs["category"]["terms"]["field"] == "category"
    assert aggs["category"]["aggs"]["name"]["terms"] == {"field": "category_name", "size": 1}
    # Facets count every match: no post_filter hides matches from them.
    assert "post_filter" not in query_body("总分馆", type="news")


def test_page_three_starts_after_two_pages():
    body = query_body("总分馆", page=3, page_size=10)
    assert (body["from"], body["size"]) == (20, 10)


def test_pages_past_the_result_window_are_empty_rather_than_refused():
    body = query_body("总分馆", page=1000, page_size=50)
    assert body["from"] + body["size"] <= MAX_RESULT_WINDOW
    assert body["size"] == 0


def test_suggest_body_matches_title_terms_and_prefix_newest_first():
    body = build_suggest(analyze_query("阅读推"), site_id=3, limit=5).to_dict()
    query = body["query"]["bool"]
    assert query["filter"] == [{"term": {"site_id": 3}}]
    assert query["minimum_should_match"] == 1
    assert {"match": {"title_terms": {"query": "阅读 读推", "operator": "and"}}} in query["should"]
    assert {"match_phrase_prefix": {"title": "阅读推"}} in query["should"]
    assert body["collapse"] == {"field": "title.raw"}
    assert body["sort"][0] == {"date": {"order": "desc", "missing": "_last"}}
    assert body["size"] == 5


# --- reading an answer -------------------------------------------------------------


def es_hit(page_id: int, title: str, body: str, highlight: dict | None = None, **source) -> dict:
    hit = {
        "_id": str(page_id),
        "_score": 2.5,
        "_source": {
            "page_id": page_id,
            "title": title,
            "url": f"/news/{page_id}/",
            "type": "news",
            "date": "2024-04-23",
            "digest": "",
            "body": body,
            **source,
        },
    }
    if highlight:
        hit["highlight"] = highlight
    return hit


def test_hits_use_the_cluster_highlight_and_fall_back_where_it_marks_nothing():
    response = {
        "hits": {
            "total": {"value": 2, "relation": "eq"},
            "hits": [
                es_hit(
                    1,
                    "县图书馆 <新馆>",
                    "……",
                    {"title": ["县<em>图书馆</em> &lt;新馆&gt;"], "body": ["开放的<em>图书馆</em>"]},
                ),
                # The CJK analyzer does not fold traditional characters: no marks from the cluster.
                es_hit(2, "圖書館閉館通知", "因疫情圖書館暫停開放。", {"body": ["因疫情圖書館暫停開放。"]}, date=None),
            ],
        },
        "aggregations": {
            "type": {"buckets": [{"key": "report", "doc_count": 1}, {"key": "news", "doc_count": 4}]},
            "year": {"buckets": [{"key": 2024, "doc_count": 3}, {"key": 2020, "doc_count": 2}]},
            "category": {
                "buckets": [{"key": "meetings", "doc_count": 2, "name": {"buckets": [{"key": "会议", "doc_count": 2}]}}]
            },
        },
    }
    with translation.override("en"):
        results = read_results(response, analyze_query("圖書館"))
    assert results.total == 2
    first, second = results.hits
    assert first.title_highlighted == "县<em>图书馆</em> &lt;新馆&gt;"
    assert first.snippet == "开放的<em>图书馆</em>"
    assert (first.page_id, first.date, first.score) == (1, datetime.date(2024, 4, 23), 2.5)
    assert second.title_highlighted == "<em>圖書館</em>閉館通知"
    assert "<em>圖書館</em>" in second.snippet
    assert second.date is None
    facets = results.facets
    assert [(f.value, f.label, f.count) for f in facets["type"]] == [
        ("news", "News", 4),
        ("report", "Annual report", 1),
    ]
    assert [(f.value, f.label, f.count) for f in facets["year"]] == [("2024", "2024", 3), ("2020", "2020", 2)]
    assert [(f.value, f.label, f.count) for f in facets["category"]] == [("meetings", "会议", 2)]


# --- without a server ----------------------------------------------------------------


@pytest.fixture
def unreachable_engine(settings):
    settings.ELASTICSEARCH_URL = UNREACHABLE
    return ElasticsearchEngine()


def test_an_empty_query_is_answered_without_the_server(unreachable_engine):
    results = unreachable_engine.search(SearchRequest(q=" ，。AND ", site_id=1))
    assert (results.total, results.hits) == (0, [])
    assert results.facets == {"type": [], "year": [], "category": []}
    assert unreachable_engine.suggest("？！", site_id=1) == []


def test_an_unreachable_server_is_a_search_error(unreachable_engine):
    with pytest.raises(SearchError, match="cannot be reached"):
        unreachable_engine.ping()
    with pytest.raises(SearchError, match="cannot be reached"):
        unreachable_engine.search(SearchRequest(q="总分馆", site_id=1))
    with pytest.raises(SearchError, match="cannot be reached"):
        unreachable_engine.index([make_document(1, "总分馆")])


def test_no_address_is_a_search_error(settings):
    settings.ELASTICSEARCH_URL = ""
    with pytest.raises(SearchError, match="ELASTICSEARCH_URL"):
        ElasticsearchEngine().ping()


# --- against a real server --------------------------------------------------------

live = pytest.mark.skipif(
    not os.environ.get("ELASTICSEARCH_URL"),
    reason="needs an Elasticsearch server: set ELASTICSEARCH_URL (none can run on the development machines)",
)

DOCUMENTS = [
    make_document(
        1,
        "县图书馆召开总分馆建设推进会",
        "会议部署了全县总分馆体系建设。",
        category="meetings",
        category_name="会议",
        tags=("总分馆",),
    ),
    make_document(
        2,
        "世界读书日阅读推广活动",
        "图书馆开展阅读推广活动，各总分馆同步举办。",
        date=datetime.date(2023, 4, 23),
        year=2023,
        category="events",
        category_name="活动",
    ),
    make_document(
        3,
        "2020年工作年报",
        "一、阅读推广。二、总分馆建设。",
        type="report",
        column="yearbook",
        column_title="年报",
        date=datetime.date(2021, 1, 15),
        year=2020,
    ),
    make_document(
        4,
        "圖書館閉館通知",
        "因疫情圖書館暫停開放。",
        type="chronicle",
        column="yearbook",
        column_title="年报",
        date=datetime.date(2020, 2, 1),
        year=2020,
    ),
    # The same title as 2, older: suggestions show the title once.
    make_document(5, "世界读书日阅读推广活动", "往年的活动。", date=datetime.date(2019, 4, 23), year=2019),
    # Another site's page: never in site 1's answers.
    make_document(6, "分馆的总分馆建设", "总分馆。", site_id=2),
]


@pytest.fixture
def live_engine(settings):
    settings.ELASTICSEARCH_URL = os.environ["ELASTICSEARCH_URL"]
    settings.ELASTICSEARCH_INDEX = f"test-library-pages-{uuid.uuid4().hex[:12]}"
    engine = ElasticsearchEngine()
    yield engine
    client = engine.client
    names = list(client.indices.get(index=f"{engine.alias}-*"))
    if names:
        client.indices.delete(index=",".join(names))


@pytest.fixture
def indexed(live_engine):
    assert live_engine.index(DOCUMENTS) == len(DOCUMENTS)
    live_engine.client.indices.refresh(index=live_engine.alias)
    return live_engine


def ids(results) -> list[int]:
    return [hit.page_id for hit in results.hits]


def strip_em(html: str) -> str:
    return html.replace("<em>", "").replace("</em>", "")


@live
def test_live_ping(live_engine):
    live_engine.ping()


@live
def test_live_search_before_any_index_says_so(live_engine):
    with pytest.raises(SearchError, match="does not exist yet"):
        live_engine.search(SearchRequest(q="总分馆", site_id=1))


@live
def test_live_chinese_queries_find_title_matches_first(indexed):
    results = indexed.search(SearchRequest(q="总分馆", site_id=1))
    assert results.total == 3
    assert set(ids(results)) == {1, 2, 3}
    assert ids(results)[0] == 1
    first = results.hits[0]
    assert "<em>" in first.title_highlighted
    assert strip_em(first.title_highlighted) == first.title
    assert "<em>" in first.snippet

    results = indexed.search(SearchRequest(q="阅读推广", site_id=1))
    assert set(ids(results)) == {2, 3, 5}
    # 2 and 5 hold it in their titles; of the two, 2 is newer.
    assert ids(results)[:2] == [2, 5]


@live
def test_live_traditional_query_finds_both_scripts(indexed):
    results = indexed.search(SearchRequest(q="圖書館", site_id=1))
    assert set(ids(results)) == {1, 2, 4}
    traditional = next(hit for hit in results.hits if hit.page_id == 4)
    assert traditional.title_highlighted == "<em>圖書館</em>閉館通知"
    assert "<em>圖書館</em>" in traditional.snippet


@live
def test_live_filters_and_facets(indexed):
    results = indexed.search(SearchRequest(q="总分馆", site_id=1))
    facets = {name: [(f.value, f.count) for f in values] for name, values in results.facets.items()}
    assert facets["type"] == [("news", 2), ("report", 1)]
    assert facets["year"] == [("2024", 1), ("2023", 1), ("2020", 1)]
    assert facets["category"] == [("events", 1), ("meetings", 1)]
    assert [f.label for f in results.facets["category"]] == ["活动", "会议"]

    news = indexed.search(SearchRequest(q="总分馆", site_id=1, type="news"))
    assert set(ids(news)) == {1, 2}
    assert [(f.value, f.count) for f in news.facets["type"]] == [("news", 2)]
    assert ids(indexed.search(SearchRequest(q="总分馆", site_id=1, year=2020))) == [3]
    dated = SearchRequest(
        q="总分馆", site_id=1, date_from=datetime.date(2023, 1, 1), date_to=datetime.date(2023, 12, 31)
    )
    assert ids(indexed.search(dated)) == [2]
    assert ids(indexed.search(SearchRequest(q="总分馆", site_id=1, category="meetings"))) == [1]
    assert ids(indexed.search(SearchRequest(q="总分馆", site_id=2))) == [6]


@live
def test_live_paging_keeps_the_total(indexed):
    pages = [indexed.search(SearchRequest(q="总分馆", site_id=1, page=page, page_size=2)) for page in (1, 2)]
    assert [p.total for p in pages] == [3, 3]
    assert len(pages[0].hits) == 2 and len(pages[1].hits) == 1
    assert set(ids(pages[0]) + ids(pages[1])) == {1, 2, 3}


@live
def test_live_suggest_gives_each_title_once_newest_first(indexed):
    suggestions = indexed.suggest("阅读推", site_id=1)
    assert [(s.page_id, s.title) for s in suggestions] == [(2, "世界读书日阅读推广活动")]
    assert [s.page_id for s in indexed.suggest("总分", site_id=1)] == [1]


@live
def test_live_delete_removes_documents_and_ignores_unknown_ids(indexed):
    indexed.delete([1, 999])
    indexed.client.indices.refresh(index=indexed.alias)
    assert 1 not in ids(indexed.search(SearchRequest(q="总分馆", site_id=1)))


@live
def test_live_rebuild_keeps_the_alias_answering_and_removes_the_old_index(indexed):
    client = indexed.client
    (old,) = client.indices.get_alias(index=indexed.alias)
    many = [make_document(100 + n, f"第{n}期阅读推广", "阅读推广") for n in range(BATCH_SIZE + 1)]
    during = []

    def progress(n):
        # Until the new index is complete, readers get the old one's answers.
        during.append((n, indexed.search(SearchRequest(q="总分馆", site_id=1)).total))

    assert indexed.rebuild([*DOCUMENTS[1:3], *many], progress=progress) == 2 + len(many)
    assert during == [(BATCH_SIZE, 3), (3, 3)]
    (new,) = client.indices.get_alias(index=indexed.alias)
    assert new != old
    assert new.startswith(f"{indexed.alias}-")
    assert not client.indices.exists(index=old)
    assert set(ids(indexed.search(SearchRequest(q="总分馆", site_id=1)))) == {2, 3}
    assert indexed.search(SearchRequest(q="阅读推广", site_id=1)).total == 2 + len(many)


@live
def test_live_failed_rebuild_leaves_the_alias_as_it_was(indexed):
    client = indexed.client
    before = set(client.indices.get(index=f"{indexed.alias}-*"))

    def documents():
        yield from DOCUMENTS
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        indexed.rebuild(documents())
    assert set(client.indices.get(index=f"{indexed.alias}-*")) == before
    assert indexed.search(SearchRequest(q="总分馆", site_id=1)).total == 3
