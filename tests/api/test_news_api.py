"""The news endpoints a front end builds its lists and article pages from."""

import pytest

from tests.api.conftest import assert_problem, publish
from tests.factories import NewsPageFactory


@pytest.fixture
def news(site_tree):
    return site_tree["news"]


def test_list_is_newest_first_with_total(api_client, news):
    data = api_client.get("/api/v3/news/").json()
    assert data["count"] == 3
    assert [item["title"] for item in data["items"]] == [
        "开通馆际互借服务",
        "第八届陕西省阅读文化节少儿活动",
        "世界读书日户外阅读推广活动",
    ]
    first = data["items"][0]
    assert first["column"]["title"] == "工作动态"
    assert first["path"].endswith("/2020-12-10/")
    assert first["category"] == {"id": news[0].category_id, "name": "阅读推广", "slug": "reading"}


def test_filters_year_month_range_and_category(api_client, news):
    def titles(query):
        response = api_client.get(f"/api/v3/news/?{query}")
        assert response.status_code == 200, response.content
        return [item["title"] for item in response.json()["items"]]

    assert titles("year=2020&month=10") == ["第八届陕西省阅读文化节少儿活动"]
    assert titles("date_from=2020-04-01&date_to=2020-10-31&order=date") == [
        "世界读书日户外阅读推广活动",
        "第八届陕西省阅读文化节少儿活动",
    ]
    assert len(titles("category=reading")) == 3
    assert titles("category=none-such") == []
    assert len(titles(f"column={news[0].get_parent().slug}")) == 3


def test_paging_and_field_selection(api_client, news):
    data = api_client.get("/api/v3/news/?limit=1&offset=1&fields=title,date").json()
    assert data["count"] == 3
    assert data["items"] == [{"id": news[1].pk, "title": "第八届陕西省阅读文化节少儿活动", "date": "2020-10-18"}]


def test_detail_has_body_blocks_and_neighbours_in_the_column(api_client, news):
    data = api_client.get(f"/api/v3/news/{news[1].pk}/").json()
    assert data["title"] == "第八届陕西省阅读文化节少儿活动"
    assert data["previous"]["id"] == news[0].pk
    assert data["next"]["id"] == news[2].pk
    assert data["body"] == []


def test_rich_text_links_resolve_and_drafts_are_not_linked(api_client, news, news_index):
    draft = NewsPageFactory(parent=news_index, title="未发布的草稿", live=False)
    page = news[0]
    page.body = [
        (
            "paragraph",
            f'<p>见<a linktype="page" id="{news[2].pk}">馆际互借</a>和<a linktype="page" id="{draft.pk}">草稿</a>。</p>',
        )
    ]
    publish(page)
    html = api_client.get(f"/api/v3/news/{page.pk}/").json()["body"][0]["value"]["html"]
    assert f'href="{news[2].url}"' in html
    assert "草稿</a>" in html and draft.url not in html and "linktype" not in html


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("offset=-1", "offset"),
        ("year=abc", "year"),
        ("month=4", "month"),
        ("date_from=2020-02-30", "date_from"),
        ("date_from=2020", "date_from"),
        ("date_to=0", "date_to"),
        ("date_from=2020-05-01&date_to=2020-04-01", "date_from"),
        ("order=title", "order"),
        ("fields=body", "fields"),
        ("colour=red", "colour"),
        ("tag=" + "长" * 300, "tag"),
    ],
)
def test_bad_input_is_a_problem_naming_the_parameter(api_client, news, query, parameter):
    response = api_client.get(f"/api/v3/news/?{query}")
    assert_problem(response, 422, parameter)


def test_non_numeric_and_missing_ids(api_client, news):
    response = api_client.get("/api/v3/news/abc/")
    assert response.status_code == 422 and "news_id" in response.json()["detail"]
    assert api_client.get("/api/v3/news/99999/").status_code == 404


def test_openapi_document_describes_ours_and_wagtails(api_client):
    paths = api_client.get("/api/v3/openapi.json").json()["paths"]
    assert "/api/v3/news/" in paths and "/api/v3/news/{news_id}/" in paths
    assert "/api/v3/pages/" in paths
