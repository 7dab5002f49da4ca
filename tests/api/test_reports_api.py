"""Annual reports (工作年报) as a front end shows them: the list by year, and a year's full report."""

from decimal import Decimal
from pathlib import Path

import pytest
import wagtail_factories
from django.core.management import call_command

from tests.api.conftest import assert_problem, publish
from tests.factories import (
    AnnualReportPageFactory,
    ChronicleEntryPageFactory,
    KeyFigureFactory,
    YearbookIndexPageFactory,
)
from yearbook.models import AnnualReportPage, ChronicleEntryPage, ReportAttachment

SEED = Path(__file__).resolve().parents[2] / "legacy" / "seeds" / "qianxian-2020-annual-report.txt"


def get_ok(client, url, **extra):
    response = client.get(url, **extra)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def reports(site_tree):
    """2020 (from site_tree), 2021 and 2019 published, 2022 still a draft."""
    yearbook = site_tree["yearbook"]
    report_2021 = publish(AnnualReportPageFactory(parent=yearbook, year=2021, summary="2021年工作总结"))
    KeyFigureFactory(report=report_2021, label="新增藏书", value=Decimal("3.5"), unit="万册", sort_order=0)
    publish(AnnualReportPageFactory(parent=yearbook, year=2019))
    AnnualReportPageFactory(parent=yearbook, year=2022, live=False)
    return site_tree | {"report_2021": report_2021}


@pytest.fixture
def seed_report(home_page, yearbook):
    """The old site's 2020 report imported and published: 13 chronicle entries, the proposals left as drafts."""
    call_command("import_legacy", str(SEED), "--publish", verbosity=0)
    return AnnualReportPage.objects.get()


def test_list_is_newest_year_first_with_counts(api_client, reports):
    data = get_ok(api_client, "/api/v3/reports/")
    assert data["count"] == 3
    assert [item["year"] for item in data["items"]] == [2021, 2020, 2019]
    newest, report_2020 = data["items"][0], data["items"][1]
    assert newest["title"] == "2021年乾县图书馆工作年报"
    assert newest["summary"] == "2021年工作总结"
    assert newest["date"] == "2022-08-26"
    assert newest["path"].endswith("/2021/") and newest["url"].endswith(newest["path"])
    assert newest["yearbook"]["id"] == reports["yearbook"].pk
    assert (newest["key_figure_count"], newest["chronicle_entry_count"]) == (1, 0)
    assert (report_2020["key_figure_count"], report_2020["chronicle_entry_count"]) == (1, 2)


def test_list_paging_and_yearbook_filter(api_client, reports, home_page):
    data = get_ok(api_client, "/api/v3/reports/?limit=1&offset=1")
    assert data["count"] == 3 and [item["year"] for item in data["items"]] == [2020]
    other = YearbookIndexPageFactory(parent=home_page, title="工作总结")
    publish(AnnualReportPageFactory(parent=other, year=2018))
    assert get_ok(api_client, "/api/v3/reports/")["count"] == 4
    data = get_ok(api_client, f"/api/v3/reports/?yearbook={other.pk}")
    assert [item["year"] for item in data["items"]] == [2018]
    response = api_client.get("/api/v3/reports/?yearbook=99999")
    assert response.status_code == 404 and "yearbook" in response.json()["detail"]


def test_draft_and_unpublished_reports_are_not_listed(api_client, reports):
    reports["report_2021"].unpublish()
    assert [item["year"] for item in get_ok(api_client, "/api/v3/reports/")["items"]] == [2020, 2019]
    assert api_client.get("/api/v3/reports/2021/").status_code == 404
    assert api_client.get("/api/v3/reports/2022/").status_code == 404


def test_detail_has_key_figures_attachments_and_chronicle_in_order(api_client, reports, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    report = reports["report"]
    KeyFigureFactory(report=report, label="参与活动", value=12369, unit="人次", note="全年", sort_order=1)
    document = wagtail_factories.DocumentFactory(title="2020年报(盖章版)")
    ReportAttachment.objects.create(report=report, document=document, title="", sort_order=0)
    ChronicleEntryPageFactory(parent=report, title="草稿提议", live=False, source_text="4月23日…", month=4, day=23)

    data = get_ok(api_client, "/api/v3/reports/2020/")
    assert (data["id"], data["year"], data["title"]) == (report.pk, 2020, "2020年乾县图书馆工作年报")
    assert data["key_figures"] == [
        {"label": "读者活动", "value": 67, "unit": "次", "note": ""},
        {"label": "参与活动", "value": 12369, "unit": "人次", "note": "全年"},
    ]
    assert isinstance(data["key_figures"][0]["value"], int)
    [attachment] = data["attachments"]
    assert attachment["title"] == "2020年报(盖章版)"
    assert attachment["document"]["url"].startswith("http://testserver/documents/")
    assert [entry["title"] for entry in data["chronicle"]] == ["年初疫情防控", "开通馆际互借"]
    assert data["chronicle"][0]["date_text"] == "年初"
    assert data["chronicle"][0]["report"]["id"] == report.pk


def test_fractional_key_figure_is_a_decimal_number(api_client, reports):
    [figure] = get_ok(api_client, "/api/v3/reports/2021/")["key_figures"]
    assert figure["value"] == 3.5 and figure["unit"] == "万册"


def test_imported_report_has_sections_items_figures_and_only_published_entries(api_client, seed_report):
    assert ChronicleEntryPage.objects.filter(live=False).count() == 35  # proposals wait for an editor
    data = get_ok(api_client, "/api/v3/reports/2020/")
    sections = [block["value"] for block in data["body"] if block["type"] == "section"]
    assert [section["number"] for section in sections] == ["一", "二", "三", "四"]
    assert sections[0]["heading"] == "坚持对标看齐,闻令而动,把正“方向盘”"
    items = [block["value"] for block in sections[1]["content"] if block["type"] == "item"]
    assert [item["number"] for item in items] == [str(n) for n in range(1, 15)]
    assert items[0]["lead"] == "网络服务"
    assert items[0]["html"].startswith("<p>")

    figures = data["key_figures"]
    assert figures[0] == {"label": figures[0]["label"], "value": 67, "unit": "次", "note": figures[0]["note"]}
    assert "读者活动" in figures[0]["label"]
    assert {(f["value"], f["unit"]) for f in figures} >= {(12369, "人次"), (546, "课时")}

    chronicle = data["chronicle"]
    assert len(chronicle) == 13
    assert all(
        entry["id"] in set(ChronicleEntryPage.objects.live().values_list("pk", flat=True)) for entry in chronicle
    )
    assert [(e["sort_date"], e["sequence_number"]) for e in chronicle] == sorted(
        (e["sort_date"], e["sequence_number"]) for e in chronicle
    )
    assert chronicle[0]["date_text"] == "年初" and chronicle[0]["sequence_number"] == 1

    listed = get_ok(api_client, "/api/v3/reports/")["items"]
    assert [(r["year"], r["chronicle_entry_count"]) for r in listed] == [(2020, 13)]
    assert listed[0]["key_figure_count"] == len(figures)
    assert get_ok(api_client, f"/api/v3/chronicle/?report={seed_report.pk}&limit=100")["count"] == 13


def test_same_year_in_two_yearbooks_is_a_conflict_until_one_is_chosen(api_client, reports, home_page):
    other = YearbookIndexPageFactory(parent=home_page, title="工作总结")
    duplicate = publish(AnnualReportPageFactory(parent=other, year=2020, title="2020年工作总结"))
    response = api_client.get("/api/v3/reports/2020/")
    assert_problem(response, 409, "yearbook" in response.json()["detail"] and str(other.pk))
    assert get_ok(api_client, f"/api/v3/reports/2020/?yearbook={other.pk}")["id"] == duplicate.pk
    assert get_ok(api_client, f"/api/v3/reports/2020/?yearbook={reports['yearbook'].pk}")["id"] == reports["report"].pk


def test_each_site_has_its_own_reports(api_client, second_site):
    data = get_ok(api_client, "/api/v3/reports/", HTTP_HOST="liquan.example")
    assert [item["title"] for item in data["items"]] == ["2020年礼泉县图书馆工作总结"]
    detail = get_ok(api_client, "/api/v3/reports/2020/?site=liquan.example")
    assert detail["id"] == second_site["report"].pk
    assert [entry["title"] for entry in detail["chronicle"]] == ["礼泉县图书馆新馆开放"]
    assert get_ok(api_client, "/api/v3/reports/2020/")["title"] == "2020年乾县图书馆工作年报"
    # A yearbook of another site is not a filter of this one.
    response = api_client.get(f"/api/v3/reports/?yearbook={second_site['yearbook'].pk}")
    assert response.status_code == 404


def test_unknown_year_is_a_problem(api_client, reports):
    response = api_client.get("/api/v3/reports/1999/")
    assert_problem(response, 404, "1999")


@pytest.mark.parametrize(
    "url, parameter",
    [
        ("/api/v3/reports/abc/", "year"),
        ("/api/v3/reports/99999999999999999999/", "year"),
        ("/api/v3/reports/2020/?colour=red", "colour"),
        ("/api/v3/reports/2020/?yearbook=abc", "yearbook"),
        ("/api/v3/reports/2020/?limit=5", "limit"),
        ("/api/v3/reports/?limit=0", "limit"),
        ("/api/v3/reports/?offset=-1", "offset"),
        ("/api/v3/reports/?yearbook=0", "yearbook"),
        ("/api/v3/reports/?yearbook=" + "9" * 30, "yearbook"),
        ("/api/v3/reports/?year=2020", "year"),
    ],
)
def test_bad_input_is_a_problem_naming_the_parameter(api_client, site_tree, url, parameter):
    response = api_client.get(url)
    assert_problem(response, 422, parameter)


def test_openapi_describes_reports_with_typed_schemas(api_client):
    document = api_client.get("/api/v3/openapi.json").json()
    schemas = document["components"]["schemas"]

    def response_schema(path):
        ref = document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        return schemas[ref.rsplit("/", 1)[-1]]

    detail = response_schema("/api/v3/reports/{year}/")
    assert {"body", "key_figures", "attachments", "chronicle"} <= set(detail["properties"])
    body_items = detail["properties"]["body"]["items"]
    assert "section" in body_items["discriminator"]["mapping"]
    figure = schemas[detail["properties"]["key_figures"]["items"]["$ref"].rsplit("/", 1)[-1]]
    assert figure["properties"]["value"]["anyOf"] == [{"type": "integer"}, {"type": "number"}]
    listing = response_schema("/api/v3/reports/")
    assert "$ref" in listing["properties"]["items"]["items"]
