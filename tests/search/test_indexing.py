"""Keeping the search index current: the outbox, the broker being down, bursts, rebuilds."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from wagtail.models import Page

from news.models import Category
from search import indexing
from search.engine import SearchRequest, get_engine
from search.models import PendingIndexUpdate, SearchDocument
from tests.celery_conf import broker_unreachable
from tests.factories import NewsPageFactory
from tests.search.conftest import publish, run_pending


def found(q, site_id):
    return [hit.title for hit in get_engine().search(SearchRequest(q=q, site_id=site_id)).hits]


@pytest.fixture
def broker_down(settings):
    """Celery configured with a broker nobody listens on, as when Redis is stopped."""
    with broker_unreachable(settings):
        yield


def test_publish_while_the_broker_is_down_is_indexed_by_the_sweep(
    home_page, news_index, broker_down, django_capture_on_commit_callbacks
):
    page = NewsPageFactory(parent=news_index, title="流动图书车开进阳洪镇", live=False)
    with django_capture_on_commit_callbacks(execute=True):
        page.save_revision().publish()
    # The editor's publish stood; the work waits in the outbox.
    assert Page.objects.get(pk=page.pk).live
    assert PendingIndexUpdate.objects.filter(page_id=page.pk).exists()
    assert found("流动图书车", home_page.get_site().pk) == []

    assert indexing.sweep() == 0  # too recent: its task may still be on the way
    PendingIndexUpdate.objects.update(
        requested_at=PendingIndexUpdate.objects.get().requested_at - datetime.timedelta(minutes=1)
    )
    assert indexing.sweep() == 1
    assert found("流动图书车", home_page.get_site().pk) == ["流动图书车开进阳洪镇"]
    assert not PendingIndexUpdate.objects.exists()


def test_a_burst_of_publishes_ends_in_one_document(home_page, news_index):
    page = NewsPageFactory(parent=news_index, title="古籍保护讲座", live=False)
    for n in range(20):
        page.title = f"古籍保护讲座（第{n}稿）"
        page.save_revision().publish()
    assert PendingIndexUpdate.objects.filter(page_id=page.pk).count() == 1
    run_pending()
    run_pending()  # running the work twice changes nothing
    assert SearchDocument.objects.filter(page_id=page.pk).count() == 1
    assert found("古籍保护", home_page.get_site().pk) == ["古籍保护讲座（第19稿）"]


def test_unpublishing_a_column_removes_its_items(home_page, news_index):
    publish(NewsPageFactory(parent=news_index, title="数字资源推介"))
    news_index.save_revision().publish()
    run_pending()
    assert found("数字资源", home_page.get_site().pk) == ["数字资源推介"]
    Page.objects.get(pk=news_index.pk).unpublish()
    run_pending()
    assert found("数字资源", home_page.get_site().pk) == []


def test_renaming_a_category_updates_its_pages(home_page, news_index):
    category = Category.objects.create(name="讲座", slug="lecture")
    publish(NewsPageFactory(parent=news_index, title="参考咨询讲座", category=category))
    run_pending()
    category.name = "公益讲座"
    category.save()
    run_pending()
    assert SearchDocument.objects.get(title="参考咨询讲座").category_name == "公益讲座"


def test_an_engine_failure_keeps_the_work_for_later(home_page, news_index, settings):
    publish(NewsPageFactory(parent=news_index, title="视障服务"))
    settings.SEARCH_ENGINE = "search.engines.elasticsearch.ElasticsearchEngine"
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:1"
    with pytest.raises(indexing.SearchError):
        run_pending()
    pending = PendingIndexUpdate.objects.get()
    assert pending.attempts == 1
    assert pending.last_error


def test_search_rebuild_indexes_every_public_page_and_drops_stale_ones(home_page, news_index):
    publish(NewsPageFactory(parent=news_index, title="地方文献征集"))
    draft = NewsPageFactory(parent=news_index, title="地方文献草稿", live=False)
    draft.save_revision()
    PendingIndexUpdate.objects.all().delete()  # as if the pages had been bulk-loaded, without signals
    stale = SearchDocument.objects.create(
        page=home_page, site=home_page.get_site(), type="news", title="旧文档", title_normalized="旧文档", url="/"
    )
    out = StringIO()
    call_command("search_rebuild", "--verbosity", "0", stdout=out)
    assert "Indexed 1 documents" in out.getvalue()
    assert "documents/s" in out.getvalue()
    assert found("地方文献", home_page.get_site().pk) == ["地方文献征集"]
    assert not SearchDocument.objects.filter(pk=stale.pk).exists()


def test_search_rebuild_reports_an_unreachable_engine(home_page, settings):
    settings.SEARCH_ENGINE = "search.engines.elasticsearch.ElasticsearchEngine"
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:1"
    with pytest.raises(Exception, match="cannot be reached"):
        call_command("search_rebuild", "--verbosity", "0", stdout=StringIO())
