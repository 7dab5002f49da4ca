"""Reader search through the API: Chinese queries, visibility, facets, highlights, bad input."""

import datetime

import pytest
from django.utils import timezone
from wagtail.models import Page, PageViewRestriction

from news.models import NewsPage
from search.models import SearchDocument
from tests.api.conftest import assert_problem
from tests.factories import NewsPageFactory
from tests.search.conftest import publish, run_pending
from yearbook.models import ChronicleEntryPage

URL = "/api/v3/search/"


def search(client, q, **params):
    response = client.get(URL, {"q": q, **params})
    assert response.status_code == 200, response.content
    return response.json()


def titles(body):
    return [result["title"] for result in body["results"]]


def test_chinese_queries_find_the_seed_report(api_client, seed_report):
    # One import of the seed serves every query (it takes seconds).
    for query in ["总分馆", "阅读推广", "少儿", "马莉", "阳洪镇", "宋瞾静", "圖書館", "图创系统", "参考咨询"]:
        body = search(api_client, query, type="report")
        assert titles(body) == [seed_report.title], query
        assert body["results"][0]["url"].endswith(f"/{seed_report.slug}/")


def test_spaces_in_a_query_do_not_matter(api_client, indexed_tree):
    # Every item's digest mentions 世界读书日; the one with it in its title comes first.
    spaced, joined = search(api_client, "世界 读书日"), search(api_client, "世界读书日")
    assert titles(spaced) == titles(joined)
    assert spaced["total"] == 3
    assert titles(spaced)[0] == "世界读书日户外阅读推广活动"


def test_a_word_inside_a_longer_run_is_found_and_highlighted(api_client, seed_report):
    # 总分馆 stands inside 全县总分馆建设工作: a database parser would see one long word.
    body = search(api_client, "总分馆", type="report")
    assert body["total"] == 1
    assert "<em>总分馆</em>" in body["results"][0]["snippet"]


def test_traditional_query_highlights_the_simplified_text(api_client, indexed_tree):
    body = search(api_client, "閱讀推廣")
    assert "世界读书日户外阅读推广活动" in titles(body)
    hit = next(r for r in body["results"] if r["title"] == "世界读书日户外阅读推广活动")
    assert hit["title_highlighted"] == "世界读书日户外<em>阅读推广</em>活动"


def test_chronicle_entries_are_found_with_their_wording(api_client, seed_report):
    entries = ChronicleEntryPage.objects.live().child_of(seed_report)
    entry = entries.first()
    body = search(api_client, entry.title[:6], type="chronicle")
    assert entry.title in titles(body)
    assert {r["type"] for r in body["results"]} == {"chronicle"}


def test_title_matches_rank_above_body_matches(api_client, indexed_tree, news_index):
    publish(NewsPageFactory(parent=news_index, title="图书馆志愿者招募", digest="", date=datetime.date(2019, 1, 1)))
    publish(
        NewsPageFactory(
            parent=news_index,
            title="新春活动",
            digest="本馆举行新春活动，欢迎图书馆志愿者报名参加。",
            date=datetime.date(2021, 1, 1),
        )
    )
    run_pending()
    assert titles(search(api_client, "志愿者"))[:2] == ["图书馆志愿者招募", "新春活动"]


def test_facets_count_the_matches(api_client, indexed_tree):
    body = search(api_client, "活动")
    facets = body["facets"]
    by_type = {f["value"]: f["count"] for f in facets["type"]}
    assert sum(by_type.values()) == body["total"]
    # Every news digest says 活动, and so does the report's key figure 读者活动.
    assert by_type == {"news": 3, "report": 1}
    assert {f["value"]: f["count"] for f in facets["year"]} == {"2020": 4}
    assert {f["value"]: (f["label"], f["count"]) for f in facets["category"]} == {"reading": ("阅读推广", 3)}
    assert search(api_client, "活动", type="news")["facets"]["type"] == [{"value": "news", "label": "新闻", "count": 3}]


def test_filters_narrow_the_results(api_client, indexed_tree):
    assert search(api_client, "活动", type="chronicle")["total"] == 0
    assert search(api_client, "活动", year=2019)["total"] == 0
    assert search(api_client, "活动", category="reading")["total"] == 3
    assert search(api_client, "活动", column=indexed_tree["column"].slug)["total"] == 3
    in_april = search(api_client, "活动", date_from="2020-04-01", date_to="2020-04-30")
    assert titles(in_april) == ["世界读书日户外阅读推广活动"]


def test_paging_keeps_the_total(api_client, indexed_tree):
    first = search(api_client, "活动", page_size=1)
    second = search(api_client, "活动", page_size=1, page=2)
    assert first["total"] == second["total"] == 4
    assert titles(first) != titles(second)
    assert search(api_client, "活动", page_size=1, page=9)["results"] == []


@pytest.mark.parametrize(
    "restrict",
    [
        lambda page: PageViewRestriction.objects.create(page=page, restriction_type="password", password="x"),
        lambda page: PageViewRestriction.objects.create(page=page, restriction_type="login"),
    ],
    ids=["password", "login"],
)
def test_private_pages_are_never_returned(api_client, indexed_tree, restrict):
    page = indexed_tree["news"][0]
    assert page.title in titles(search(api_client, "读书日"))
    restrict(page)
    run_pending()
    assert page.title not in titles(search(api_client, "读书日"))
    assert not SearchDocument.objects.filter(page_id=page.pk).exists()


def test_a_private_section_hides_everything_below_it(api_client, indexed_tree):
    PageViewRestriction.objects.create(page=indexed_tree["column"], restriction_type="login")
    run_pending()
    assert search(api_client, "活动", type="news")["total"] == 0


def test_drafts_and_scheduled_pages_are_not_returned(api_client, indexed_tree, news_index):
    draft = NewsPageFactory(parent=news_index, title="草稿中的古籍保护讲座", live=False)
    draft.save_revision()
    scheduled = NewsPageFactory(parent=news_index, title="定时发布的古籍保护讲座", live=False)
    scheduled.go_live_at = timezone.now() + datetime.timedelta(days=1)
    scheduled.save_revision().publish()
    run_pending()
    assert search(api_client, "古籍保护")["total"] == 0


def test_new_changes_of_a_live_page_stay_out_until_published(api_client, indexed_tree):
    page = indexed_tree["news"][2]
    page.title = "开通馆际互借服务（修改稿）"
    page.save_revision()
    run_pending()
    assert sorted(titles(search(api_client, "馆际互借"))) == ["开通馆际互借", "开通馆际互借服务"]


def test_after_publishing_the_page_is_found_and_after_unpublishing_it_is_gone(
    api_client, indexed_tree, news_index, django_capture_on_commit_callbacks
):
    page = NewsPageFactory(parent=news_index, title="视障服务进社区", live=False)
    with django_capture_on_commit_callbacks(execute=True):
        page.save_revision().publish()
    assert titles(search(api_client, "视障服务")) == ["视障服务进社区"]
    with django_capture_on_commit_callbacks(execute=True):
        Page.objects.get(pk=page.pk).unpublish()
    assert search(api_client, "视障服务")["total"] == 0


def test_expired_pages_are_not_returned_even_before_the_scheduler_runs(api_client, indexed_tree):
    page = indexed_tree["news"][1]
    NewsPage.objects.filter(pk=page.pk).update(expire_at=timezone.now() - datetime.timedelta(minutes=1))
    assert page.title not in titles(search(api_client, "文化节"))


def test_deleted_and_moved_pages(api_client, indexed_tree, second_site, django_capture_on_commit_callbacks):
    deleted, moved = indexed_tree["news"][1], indexed_tree["news"][2]
    with django_capture_on_commit_callbacks(execute=True):
        Page.objects.get(pk=deleted.pk).delete()
        Page.objects.get(pk=moved.pk).move(second_site["column"], pos="last-child")
    assert search(api_client, "文化节")["total"] == 0
    assert search(api_client, "馆际互借", type="news")["total"] == 0
    other = search(api_client, "馆际互借", type="news", site="liquan.example")
    assert titles(other) == ["开通馆际互借服务"]
    assert other["results"][0]["url"].startswith("http://liquan.example/")


def test_each_site_searches_only_its_own_pages(api_client, indexed_tree, second_site):
    run_pending()
    assert "2020年礼泉县图书馆工作总结" not in titles(search(api_client, "图书馆"))
    assert set(titles(search(api_client, "礼泉", site="liquan.example"))) == {
        "2020年礼泉县图书馆工作总结",
        "礼泉县图书馆新馆开放",
    }


def test_highlights_escape_the_text(api_client, indexed_tree, news_index):
    publish(NewsPageFactory(parent=news_index, title="<script>alert(1)</script> 数字资源推介"))
    run_pending()
    hit = search(api_client, "数字资源")["results"][0]
    assert hit["title_highlighted"] == "&lt;script&gt;alert(1)&lt;/script&gt; <em>数字资源</em>推介"


def test_query_operators_are_read_as_words(api_client, indexed_tree):
    plain = search(api_client, "阅读 推广")
    assert search(api_client, '"阅读" AND 推广*')["total"] == plain["total"] > 0
    # Both words are needed (文化节 is in one title, 互借 in others): OR is no operator here.
    assert search(api_client, "文化节 OR 互借")["total"] == 0


@pytest.mark.parametrize(
    "params, words",
    [
        ({}, ["q"]),
        ({"q": "   "}, ["q"]),
        ({"q": "！？。，"}, ["q"]),
        ({"q": "AND OR NOT"}, ["q"]),
        ({"q": "图" * 101}, ["q", "100"]),
        ({"q": "图书馆", "page_size": 51}, ["page_size"]),
        ({"q": "图书馆", "page": 0}, ["page"]),
        ({"q": "图书馆", "type": "video"}, ["type"]),
        ({"q": "图书馆", "year": "abc"}, ["year"]),
        ({"q": "图书馆", "date_from": "2020-13-01"}, ["date_from"]),
        ({"q": "图书馆", "date_from": "2020-05-01", "date_to": "2020-04-01"}, ["date_from"]),
        ({"q": "图书馆", "sort": "title"}, ["sort"]),
    ],
)
def test_bad_queries_get_a_clear_422(api_client, indexed_tree, params, words):
    assert_problem(api_client.get(URL, params), 422, *words)


def test_suggest_titles_for_a_prefix(api_client, indexed_tree):
    response = api_client.get(f"{URL}suggest/", {"q": "互借"})
    assert response.status_code == 200
    assert {s["title"] for s in response.json()["suggestions"]} == {"开通馆际互借服务", "开通馆际互借"}
    # Titles that start with the text come before those that only contain it.
    starts = api_client.get(f"{URL}suggest/", {"q": "第八届"}).json()["suggestions"]
    assert [s["title"] for s in starts] == ["第八届陕西省阅读文化节少儿活动"]
    assert_problem(api_client.get(f"{URL}suggest/", {"q": ""}), 422, "q")


def test_search_is_in_the_openapi_document(api_client):
    paths = api_client.get("/api/v3/openapi.json").json()["paths"]
    assert {"/api/v3/search/", "/api/v3/search/suggest/"} <= set(paths)
    declared = paths["/api/v3/search/"]["get"]["responses"]
    assert {"200", "422"} <= set(declared)
