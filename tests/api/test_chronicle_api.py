"""The chronicle (大事记) timeline a front end draws from: partial dates in order, only what readers may see."""

import pytest
from wagtail.models import PageViewRestriction

from tests.api.conftest import assert_problem, publish
from tests.factories import (
    AnnualReportPageFactory,
    ChronicleEntryPageFactory,
    NewsPageFactory,
    chronicle_category,
)


@pytest.fixture
def timeline(site_tree):
    """The 2020 report's entries with every kind of date, and a 2021 report with one entry."""
    report = site_tree["report"]
    entries = {entry.title: entry for entry in site_tree["entries"]}  # 年初疫情防控 (1), 开通馆际互借 12-10 (2)
    for values in [
        {"title": "全年开展总分馆建设", "date_precision": "year", "month": None, "day": None, "date_text": "2020年"},
        {"title": "年底完成年度考核", "date_precision": "season", "month": None, "day": None, "year_part": "end"},
        {"title": "世界读书日户外阅读推广", "month": 4, "day": 23, "date_text": "4月23日"},
        {"title": "四月开展流动服务", "date_precision": "month", "month": 4, "day": None, "date_text": "4月"},
    ]:
        entries[values["title"]] = publish(
            ChronicleEntryPageFactory(parent=report, category=chronicle_category("huodong"), **values)
        )
    report_2021 = publish(AnnualReportPageFactory(parent=site_tree["yearbook"], year=2021))
    entries["新春猜灯谜"] = publish(
        ChronicleEntryPageFactory(parent=report_2021, sequence_number=1, title="新春猜灯谜", year=2021, month=2, day=26)
    )
    return site_tree | {"entries": entries, "report_2021": report_2021}


def get_ok(client, url, **extra):
    response = client.get(url, **extra)
    assert response.status_code == 200, response.content
    return response.json()


def titles(data):
    return [item["title"] for item in data["items"]]


def test_partial_dates_are_in_chronological_order(api_client, timeline):
    data = get_ok(api_client, "/api/v3/chronicle/")
    assert data["count"] == 7
    assert titles(data) == [
        "年初疫情防控",  # 年初: the first day it can mean, then by entry number
        "全年开展总分馆建设",  # the year only
        "四月开展流动服务",  # April, sorts at April 1st
        "世界读书日户外阅读推广",  # 4月23日
        "开通馆际互借",  # 12月10日
        "年底完成年度考核",  # 年底: December 31st
        "新春猜灯谜",  # 2021
    ]


def test_entry_keeps_its_original_wording_and_partial_date(api_client, timeline):
    items = {item["title"]: item for item in get_ok(api_client, "/api/v3/chronicle/?year=2020")["items"]}
    early = items["年初疫情防控"]
    assert early["date_precision"] == "season"
    assert (early["year"], early["month"], early["day"]) == (2020, None, None)
    assert (early["year_part"], early["date_text"], early["sort_date"]) == ("early", "年初", "2020-01-01")
    assert early["text"] == "<p>党员干部深入社区开展疫情群防群控工作。</p>"
    assert early["report"]["id"] == timeline["report"].pk
    assert early["report"]["type"] == "yearbook.AnnualReportPage"
    assert early["path"].startswith(early["report"]["path"])
    month_only = items["四月开展流动服务"]
    assert (month_only["date_precision"], month_only["month"], month_only["day"]) == ("month", 4, None)
    assert month_only["year_part"] is None
    assert month_only["category"] == {"name": "活动", "slug": "huodong"}
    assert items["年底完成年度考核"]["sort_date"] == "2020-12-31"


def test_filters_year_category_and_report(api_client, timeline):
    assert titles(get_ok(api_client, "/api/v3/chronicle/?year=2021")) == ["新春猜灯谜"]
    assert titles(get_ok(api_client, "/api/v3/chronicle/?category=huodong&year=2020")) == [
        "全年开展总分馆建设",
        "四月开展流动服务",
        "世界读书日户外阅读推广",
        "年底完成年度考核",
    ]
    assert get_ok(api_client, "/api/v3/chronicle/?category=dangjian")["count"] == 0
    by_report = get_ok(api_client, f"/api/v3/chronicle/?report={timeline['report_2021'].pk}")
    assert titles(by_report) == ["新春猜灯谜"]
    assert get_ok(api_client, "/api/v3/chronicle/?year=1999") == {"count": 0, "items": []}


def test_paging_keeps_the_total(api_client, timeline):
    data = get_ok(api_client, "/api/v3/chronicle/?limit=2&offset=2")
    assert data["count"] == 7
    assert titles(data) == ["四月开展流动服务", "世界读书日户外阅读推广"]
    assert len(get_ok(api_client, "/api/v3/chronicle/?limit=100")["items"]) == 7


def test_draft_entries_are_not_in_the_timeline(api_client, timeline):
    ChronicleEntryPageFactory(parent=timeline["report"], title="未审核的提议", live=False, source_text="…")
    timeline["entries"]["开通馆际互借"].unpublish()
    data = get_ok(api_client, "/api/v3/chronicle/")
    assert data["count"] == 6
    assert "未审核的提议" not in titles(data) and "开通馆际互借" not in titles(data)


def test_entries_of_an_unpublished_report_do_not_leak(api_client, timeline):
    report = timeline["report_2021"]
    report.unpublish()  # Wagtail leaves the entry itself live
    assert timeline["entries"]["新春猜灯谜"].__class__.objects.get(title="新春猜灯谜").live
    data = get_ok(api_client, "/api/v3/chronicle/")
    assert "新春猜灯谜" not in titles(data) and data["count"] == 6
    response = api_client.get(f"/api/v3/chronicle/?report={report.pk}")
    assert response.status_code == 404 and "report" in response.json()["detail"]


def test_entries_of_an_unpublished_yearbook_do_not_leak(api_client, timeline):
    timeline["yearbook"].unpublish()
    assert get_ok(api_client, "/api/v3/chronicle/") == {"count": 0, "items": []}


def test_entries_of_a_private_report_are_hidden(api_client, timeline):
    PageViewRestriction.objects.create(page=timeline["report"], restriction_type="password", password="secret")
    assert titles(get_ok(api_client, "/api/v3/chronicle/")) == ["新春猜灯谜"]


def test_related_pages_are_only_public_ones(api_client, timeline):
    from yearbook.models import ChronicleEntryRelatedPage

    entry = timeline["entries"]["开通馆际互借"]
    published = timeline["news"][2]
    draft = NewsPageFactory(parent=timeline["column"], title="草稿", live=False)
    ChronicleEntryRelatedPage.objects.create(entry=entry, page=draft, sort_order=0)
    ChronicleEntryRelatedPage.objects.create(entry=entry, page=published, sort_order=1)
    item = next(i for i in get_ok(api_client, "/api/v3/chronicle/")["items"] if i["id"] == entry.pk)
    assert [related["id"] for related in item["related"]] == [published.pk]
    assert item["related"][0]["type"] == "news.NewsPage"


def test_each_site_has_its_own_chronicle(api_client, second_site):
    liquan = ["礼泉县图书馆新馆开放"]
    assert titles(get_ok(api_client, "/api/v3/chronicle/", HTTP_HOST="liquan.example")) == liquan
    assert titles(get_ok(api_client, "/api/v3/chronicle/?site=liquan.example")) == liquan
    assert "礼泉县图书馆新馆开放" not in titles(get_ok(api_client, "/api/v3/chronicle/"))
    # Another site's report is not a filter of this one.
    response = api_client.get(f"/api/v3/chronicle/?report={second_site['report'].pk}")
    assert response.status_code == 404


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("year=abc", "year"),
        ("year=1800", "year"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("offset=-1", "offset"),
        ("report=abc", "report"),
        ("report=" + "9" * 30, "report"),
        ("category=none-such", "category"),
        ("colour=red", "colour"),
        ("category=" + "长" * 300, "category"),
    ],
)
def test_bad_input_is_a_problem_naming_the_parameter(api_client, site_tree, query, parameter):
    response = api_client.get(f"/api/v3/chronicle/?{query}")
    assert_problem(response, 422, parameter)


def test_openapi_describes_the_timeline_with_typed_schemas(api_client):
    document = api_client.get("/api/v3/openapi.json").json()
    operation = document["paths"]["/api/v3/chronicle/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"year", "category", "report", "limit", "offset"}
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    schemas = document["components"]["schemas"]
    listing = schemas[ref.rsplit("/", 1)[-1]]
    entry = schemas[listing["properties"]["items"]["items"]["$ref"].rsplit("/", 1)[-1]]
    assert {"date_precision", "year_part", "date_text", "end_date", "category", "report", "related"} <= set(
        entry["properties"]
    )
    assert entry["properties"]["date_precision"]["enum"] == ["day", "month", "season", "year"]
