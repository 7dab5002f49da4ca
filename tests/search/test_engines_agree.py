"""Both engines give the same top results on the same pages (needs a live Elasticsearch)."""

import pytest

from search.documents import iter_documents
from search.engine import SearchRequest
from search.engines.database import DatabaseEngine
from tests.search.test_elasticsearch_engine import live, live_engine  # noqa: F401

QUERIES = ["活动", "阅读推广", "閱讀推廣", "世界 读书日", "少儿", "馆际互借", "图书馆", "疫情"]


@live
@pytest.mark.django_db
def test_database_and_elasticsearch_agree_on_top_results(indexed_tree, live_engine):  # noqa: F811
    documents = list(iter_documents())
    assert live_engine.rebuild(documents) == len(documents)
    site_id = indexed_tree["home"].get_site().pk
    for q in QUERIES:
        request = SearchRequest(q=q, site_id=site_id, page_size=5)
        ours, theirs = DatabaseEngine().search(request), live_engine.search(request)
        assert theirs.total == ours.total, q
        assert {hit.page_id for hit in theirs.hits[:3]} == {hit.page_id for hit in ours.hits[:3]}, q
        assert [(f.value, f.count) for f in theirs.facets["type"]] == [(f.value, f.count) for f in ours.facets["type"]]
