"""The frame of every page in one call: the site, its menu, the library's settings and the notice banner."""

import datetime

import pytest
import wagtail_factories
from django.utils import timezone
from wagtail.models import PageViewRestriction, Site

from home.models import LibrarySettings, OpeningHours, OpeningHoursException
from tests.api.conftest import assert_problem, publish
from tests.factories import NewsIndexPageFactory


def get_ok(client, url, **extra):
    response = client.get(url, **extra)
    assert response.status_code == 200, response.content
    return response.json()


def show_in_menus(page):
    page.show_in_menus = True
    return publish(page)


@pytest.fixture
def menu(site_tree):
    """工作动态 and 年报 (with the 2020 report and its first entry below it) are in the menu."""
    pages = {name: show_in_menus(site_tree[name]) for name in ("column", "yearbook", "report")}
    pages["entry"] = show_in_menus(site_tree["entries"][0])
    return site_tree | pages


def titles(items):
    return [item["title"] for item in items]


def test_site_and_menu_in_tree_order(api_client, menu):
    data = get_ok(api_client, "/api/v3/navigation/")
    site = Site.objects.get(is_default_site=True)
    assert data["site"] == {
        "id": site.pk,
        "hostname": "localhost",
        "port": 80,
        "site_name": site.site_name,
        "root": {
            "id": menu["home"].pk,
            "title": "首页",
            "type": "home.HomePage",
            "path": "/",
            "url": data["site"]["root"]["url"],
        },
    }
    assert titles(data["menu"]) == ["工作动态", "年报"]
    column, yearbook = data["menu"]
    assert column["type"] == "news.NewsIndexPage" and column["path"] == menu["column"].url
    assert column["children"] == []  # news items are not in menus
    [report] = yearbook["children"]
    assert report["title"] == "2020年乾县图书馆工作年报"
    assert titles(report["children"]) == ["年初疫情防控"]  # the third level
    assert report["children"][0]["children"] == []


def test_menu_follows_the_editors_order_and_hides_what_readers_may_not_see(api_client, menu, home_page):
    NewsIndexPageFactory(parent=home_page, title="不在菜单中")
    NewsIndexPageFactory(parent=home_page, title="未发布的栏目", show_in_menus=True, live=False)
    private = NewsIndexPageFactory(parent=home_page, title="内部栏目", show_in_menus=True)
    PageViewRestriction.objects.create(page=private, restriction_type="password", password="secret")
    menu["yearbook"].unpublish()  # its children stay live in the database, but are unreachable
    notices = show_in_menus(NewsIndexPageFactory(parent=home_page, title="通知公告"))
    notices.move(menu["column"], pos="left")  # the editors put it first

    assert titles(get_ok(api_client, "/api/v3/navigation/")["menu"]) == ["通知公告", "工作动态"]


def test_settings_with_structured_opening_hours_and_upcoming_exceptions(api_client, site_tree, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    today = timezone.localdate()
    library = LibrarySettings.for_site(Site.objects.get(is_default_site=True))
    library.library_name = "乾县图书馆"
    library.address = "陕西省咸阳市乾县"
    library.phone = "029-35512345"
    library.email = "library@example.cn"
    library.icp_number = "陕ICP备00000000号-1"
    library.public_security_number = "陕公网安备 61042402000001号"
    library.wechat_account_name = "乾县图书馆"
    library.wechat_qr_code = wagtail_factories.ImageFactory(title="公众号二维码")
    library.footer_text = "版权所有"
    library.save()
    OpeningHours.objects.create(settings=library, weekday=0, closed=True, sort_order=0)
    for order, weekday in enumerate(range(1, 7), start=1):
        # The afternoon session is entered first: sessions still come out earliest first.
        OpeningHours.objects.create(
            settings=library, weekday=weekday, opens=datetime.time(14), closes=datetime.time(17, 30), sort_order=order
        )
        OpeningHours.objects.create(
            settings=library,
            weekday=weekday,
            opens=datetime.time(9),
            closes=datetime.time(12),
            note="上午",
            sort_order=10 + order,
        )
    day = datetime.timedelta(days=1)
    OpeningHoursException.objects.create(settings=library, start_date=today - 30 * day, reason="已过去的闭馆")
    OpeningHoursException.objects.create(
        settings=library,
        start_date=today + 10 * day,
        closed=False,
        opens=datetime.time(9),
        closes=datetime.time(12),
        reason="缩短开放",
    )
    OpeningHoursException.objects.create(
        settings=library, start_date=today - 2 * day, end_date=today + 2 * day, reason="春节闭馆"
    )

    data = get_ok(api_client, "/api/v3/navigation/")["settings"]
    assert data["library_name"] == "乾县图书馆"
    assert (data["phone"], data["email"], data["address"]) == ("029-35512345", "library@example.cn", "陕西省咸阳市乾县")
    assert (data["icp_number"], data["public_security_number"]) == (
        "陕ICP备00000000号-1",
        "陕公网安备 61042402000001号",
    )
    assert data["footer_text"] == "版权所有" and data["wechat_account_name"] == "乾县图书馆"
    assert data["wechat_qr"]["title"] == "公众号二维码"
    assert data["wechat_qr"]["renditions"]["thumbnail"]["url"].startswith("http://testserver/")

    hours = data["opening_hours"]
    assert [d["weekday"] for d in hours] == list(range(7))
    assert hours[0] == {"weekday": 0, "closed": True, "sessions": []}
    assert hours[1] == {
        "weekday": 1,
        "closed": False,
        "sessions": [
            {"opens": "09:00:00", "closes": "12:00:00", "note": "上午"},
            {"opens": "14:00:00", "closes": "17:30:00", "note": ""},
        ],
    }
    assert data["opening_exceptions"] == [
        {
            "start_date": (today - 2 * day).isoformat(),
            "end_date": (today + 2 * day).isoformat(),
            "closed": True,
            "opens": None,
            "closes": None,
            "reason": "春节闭馆",
        },
        {
            "start_date": (today + 10 * day).isoformat(),
            "end_date": (today + 10 * day).isoformat(),
            "closed": False,
            "opens": "09:00:00",
            "closes": "12:00:00",
            "reason": "缩短开放",
        },
    ]


def test_site_without_settings_gets_empty_ones_and_none_are_created(api_client, site_tree):
    data = get_ok(api_client, "/api/v3/navigation/")["settings"]
    assert data["library_name"] == "" and data["opening_hours"] == [] and data["wechat_qr"] is None
    assert not LibrarySettings.objects.exists()


def test_notice_banner_only_while_active(api_client, site_tree):
    home = site_tree["home"]
    home.notice_text = "春节期间闭馆"
    home.notice_link_page = site_tree["news"][2]
    home.notice_ends_at = timezone.now() + datetime.timedelta(days=1)
    home = publish(home)
    notice = get_ok(api_client, "/api/v3/navigation/")["notice"]
    assert notice["text"] == "春节期间闭馆"
    assert notice["page"]["id"] == site_tree["news"][2].pk and notice["url"] == notice["page"]["url"]

    home.notice_link_page = None
    home.notice_link_url = "https://example.cn/notice"
    home = publish(home)
    assert get_ok(api_client, "/api/v3/navigation/")["notice"] == {
        "text": "春节期间闭馆",
        "url": "https://example.cn/notice",
        "page": None,
    }

    home.notice_ends_at = timezone.now() - datetime.timedelta(minutes=1)
    publish(home)
    assert get_ok(api_client, "/api/v3/navigation/")["notice"] is None


def test_notice_link_to_a_draft_keeps_the_text_without_an_address(api_client, site_tree):
    home = site_tree["home"]
    home.notice_text = "新栏目即将上线"
    home.notice_link_page = NewsIndexPageFactory(parent=home, title="草稿栏目", live=False)
    publish(home)
    assert get_ok(api_client, "/api/v3/navigation/")["notice"] == {"text": "新栏目即将上线", "url": None, "page": None}


@pytest.mark.parametrize("how", [{"HTTP_HOST": "liquan.example"}, {"QUERY_STRING": "site=liquan.example"}])
def test_each_site_gets_its_own_navigation(api_client, menu, second_site, how):
    data = get_ok(api_client, "/api/v3/navigation/", **how)
    assert data["site"]["hostname"] == "liquan.example" and data["site"]["site_name"] == "礼泉县图书馆"
    assert data["site"]["root"]["id"] == second_site["home"].pk
    assert titles(data["menu"]) == ["馆内新闻", "年度报告"]
    assert data["menu"][0]["url"].startswith("http://liquan.example/")
    assert (data["settings"]["library_name"], data["settings"]["phone"]) == ("礼泉县图书馆", "029-35612345")
    assert data["notice"] is None
    assert titles(get_ok(api_client, "/api/v3/navigation/")["menu"]) == ["工作动态", "年报"]


@pytest.mark.parametrize(
    "query, status, words",
    [("colour=red", 422, "colour"), ("limit=0", 422, "limit"), ("site=none.example", 404, "")],
)
def test_bad_input_is_a_problem(api_client, site_tree, query, status, words):
    response = api_client.get(f"/api/v3/navigation/?{query}")
    assert_problem(response, status, words)


def test_openapi_describes_navigation_with_typed_schemas(api_client):
    document = api_client.get("/api/v3/openapi.json").json()
    schemas = document["components"]["schemas"]
    ref = document["paths"]["/api/v3/navigation/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    navigation = schemas[ref["$ref"].rsplit("/", 1)[-1]]
    assert {"site", "menu", "settings", "notice"} <= set(navigation["properties"])
    menu_item = schemas[navigation["properties"]["menu"]["items"]["$ref"].rsplit("/", 1)[-1]]
    assert menu_item["properties"]["children"]["items"]["$ref"].endswith("/MenuItemOut")
    settings = schemas[navigation["properties"]["settings"]["$ref"].rsplit("/", 1)[-1]]
    assert "$ref" in settings["properties"]["opening_hours"]["items"]
