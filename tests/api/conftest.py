"""A small published site for API tests: a news column, a yearbook with a report and its chronicle."""

import datetime

import pytest
from django.test import Client

from tests.factories import (
    AnnualReportPageFactory,
    CategoryFactory,
    ChronicleEntryPageFactory,
    KeyFigureFactory,
    NewsPageFactory,
)


def publish(page):
    """Publish `page` through a revision, as an editor's publish does; return it fresh."""
    page.save_revision().publish()
    return type(page).objects.get(pk=page.pk)


def assert_problem(response, status, *words):
    """`response` is an RFC 7807 problem with `status` whose detail names each of `words`."""
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    detail = response.json()["detail"]
    for word in words:
        assert word in detail


@pytest.fixture
def api_client():
    return Client()


@pytest.fixture
def site_tree(home_page, news_index, yearbook):
    """Published content: 3 news items (2020-04-23, 2020-10-18, 2020-12-10), a 2020 report with 2 entries."""
    category = CategoryFactory(name="阅读推广", slug="reading")
    news = [
        publish(NewsPageFactory(parent=news_index, title=title, date=date, category=category))
        for title, date in [
            ("世界读书日户外阅读推广活动", datetime.date(2020, 4, 23)),
            ("第八届陕西省阅读文化节少儿活动", datetime.date(2020, 10, 18)),
            ("开通馆际互借服务", datetime.date(2020, 12, 10)),
        ]
    ]
    report = publish(AnnualReportPageFactory(parent=yearbook, year=2020))
    KeyFigureFactory(report=report, label="读者活动", value=67, unit="次", sort_order=0)
    entries = [
        publish(
            ChronicleEntryPageFactory(
                parent=report,
                sequence_number=1,
                title="年初疫情防控",
                date_precision="season",
                month=None,
                day=None,
                year_part="early",
                date_text="年初",
            )
        ),
        publish(ChronicleEntryPageFactory(parent=report, sequence_number=2, title="开通馆际互借", month=12, day=10)),
    ]
    return {
        "home": home_page,
        "column": news_index,
        "news": news,
        "yearbook": yearbook,
        "report": report,
        "entries": entries,
    }


@pytest.fixture
def second_site(site_tree, settings):
    """Another library's site on the same installation (liquan.example), with its own 2020 report and menu."""
    from wagtail.models import Page, Site

    from home.models import LibrarySettings
    from tests.factories import HomePageFactory, NewsIndexPageFactory, YearbookIndexPageFactory

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "liquan.example"]
    home = HomePageFactory(parent=Page.get_first_root_node(), title="礼泉县图书馆首页")
    site = Site.objects.create(hostname="liquan.example", port=80, root_page=home, site_name="礼泉县图书馆")
    column = NewsIndexPageFactory(parent=home, title="馆内新闻", show_in_menus=True)
    yearbook = YearbookIndexPageFactory(parent=home, title="年度报告", show_in_menus=True)
    report = publish(AnnualReportPageFactory(parent=yearbook, year=2020, title="2020年礼泉县图书馆工作总结"))
    entry = publish(
        ChronicleEntryPageFactory(parent=report, sequence_number=1, title="礼泉县图书馆新馆开放", month=6, day=1)
    )
    LibrarySettings.objects.create(site=site, library_name="礼泉县图书馆", phone="029-35612345")
    return {"site": site, "home": home, "column": column, "yearbook": yearbook, "report": report, "entry": entry}
