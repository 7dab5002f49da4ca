"""`manage.py load_demo` builds the 乾县图书馆 demo site, and running it again changes nothing."""

import datetime
import re
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.utils.html import strip_tags
from wagtail.images import get_image_model
from wagtail.models import Page, Revision, Site

from home.models import LibrarySettings, OpeningHours, OpeningHoursException, Weekday
from news.models import Category, NewsIndexPage, NewsPage
from tests.factories import UserFactory
from yearbook.models import AnnualReportPage, ChronicleEntryPage, KeyFigure, YearbookIndexPage

DEMO_ENV = ["DEMO_ADMIN_USERNAME", "DEMO_ADMIN_PASSWORD", "DEMO_EDITOR_PASSWORD", "DEMO_REVIEWER_PASSWORD"]
PASSWORD_LINE = re.compile(r"password: (\S+)")

# The seed's figures, as the import of the old page reads them: (value, unit) in order.
EXPECTED_KEY_FIGURES = [
    (Decimal(67), "次"),
    (Decimal(4), "次"),
    (Decimal(63), "次"),
    (Decimal(56), "次"),
    (Decimal(12369), "人次"),
    (Decimal(12), "次"),
    (Decimal(144), "人次"),
    (Decimal(546), "课时"),
    (Decimal(12), "期"),
    (Decimal(6), "个"),
    (Decimal(64), "个"),
]


@pytest.fixture(autouse=True)
def demo_environment(monkeypatch, settings, tmp_path):
    """No DEMO_* variables from the developer's shell; generated images go to a scratch folder."""
    for name in DEMO_ENV:
        monkeypatch.delenv(name, raising=False)
    settings.MEDIA_ROOT = tmp_path / "media"


def load_demo():
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def can_log_in(username, password):
    return Client().login(username=username, password=password)


def test_news_column_holds_live_news_items_from_the_seed(home_page):
    load_demo()

    news = NewsIndexPage.objects.child_of(home_page).get(slug="news")
    assert news.title == "工作动态" and news.live
    assert NewsIndexPage.objects.child_of(home_page).get(slug="notices").title == "通知公告"
    items = NewsPage.objects.child_of(news).live().order_by("date")
    assert 4 <= items.count() <= 6
    reading_day = items.get(date=datetime.date(2020, 4, 23))
    assert "第一人民广场" in reading_day.title or "第一人民广场" in reading_day.digest
    assert reading_day.category.name == "阅读推广"
    assert "世界读书日" in reading_day.tags.names()
    assert reading_day.cover_image is not None and reading_day.cover_alt_text
    assert {block.block_type for block in reading_day.body} >= {"heading", "paragraph", "quote"}
    assert items.get(date=datetime.date(2020, 12, 10)).category.name == "馆际合作"
    for item in items:
        assert item.date.year == 2020
        assert item.source == "乾县图书馆" and item.responsible_editor
        assert 0 < len(item.digest) <= 120
        assert item.category is not None and item.tags.exists()
        assert item.get_latest_revision() == item.live_revision


def test_annual_report_has_its_key_figures_sections_and_chronicle_in_order(home_page):
    load_demo()

    yearbook = YearbookIndexPage.objects.child_of(home_page).get(slug="yearbook")
    report = AnnualReportPage.objects.child_of(yearbook).live().get(year=2020)
    assert report.title == "2020年乾县图书馆工作年报"
    assert report.date == datetime.date(2022, 8, 26)
    assert report.summary
    figures = list(report.key_figures.order_by("sort_order"))
    assert [(figure.value, figure.unit) for figure in figures] == EXPECTED_KEY_FIGURES
    assert figures[0].label == "读者活动"

    sections = [block.value for block in report.body if block.block_type == "section"]
    assert [section["number"] for section in sections] == ["一", "二", "三", "四"]
    assert sections[0]["heading"] == "坚持对标看齐,闻令而动,把正“方向盘”"
    first_points = [block.value for block in sections[0]["content"] if block.block_type == "item"]
    assert [(point["number"], point["lead"]) for point in first_points] == [
        ("一是", "对标中央部署抓好疫情防控"),
        ("二是", "科学谋划部署工作"),
    ]
    items = [block.value for block in sections[1]["content"] if block.block_type == "item"]
    assert [item["number"] for item in items] == [str(number) for number in range(1, 15)]
    assert [item["lead"] for item in items[:2]] == ["网络服务", "阅读推广活动"]
    assert "兴平市图书馆" in items[12]["text"].source

    entries = list(ChronicleEntryPage.objects.child_of(report).live().order_by("sequence_number"))
    assert [entry.sequence_number for entry in entries] == list(range(1, 14))
    assert all(len(entry.title) <= 40 for entry in entries)
    assert strip_tags(entries[11].text).startswith("2020年在庆祝")
    first = entries[0]
    assert (first.date_precision, first.year_part, first.date_text, first.year) == ("season", "early", "年初", 2020)
    assert (entries[1].date_precision, entries[1].year, entries[1].month) == ("year", 2020, None)
    assert first.category.slug == "dangjian"
    assert entries[12].category.slug == "dangjian"  # 党支部 first, though it is also an honour


def test_readers_see_the_report_and_its_chronicle_on_the_site(home_page):
    load_demo()

    response = Client().get("/yearbook/2020/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "2020年乾县图书馆工作年报" in html
    assert "12369" in html
    assert "2020年在庆祝中国共产党成立99周年" in html


def test_library_settings_give_hours_closures_footer_and_wechat_qr(home_page):
    load_demo()

    library = LibrarySettings.for_site(Site.objects.get(is_default_site=True))
    assert library.library_name == "乾县图书馆"
    assert "乾县" in library.address and "演示" in library.address
    assert library.phone and library.icp_number and library.public_security_number and library.footer_text
    assert library.wechat_account_name == "乾县图书馆"
    assert library.wechat_qr_code is not None and library.wechat_qr_code.width > 0
    assert library.opening_hours.get(weekday=Weekday.MONDAY).closed
    tuesday = library.opening_hours.filter(weekday=Weekday.TUESDAY).order_by("opens")
    assert [(row.opens, row.closes) for row in tuesday] == [
        (datetime.time(9, 0), datetime.time(12, 0)),
        (datetime.time(14, 30), datetime.time(17, 30)),
    ]
    closure = library.opening_exceptions.get()
    assert closure.reason == "春节闭馆" and closure.closed and closure.end_date > closure.start_date
    home_page.refresh_from_db()
    assert home_page.intro and home_page.live_revision is not None


def test_running_it_twice_changes_nothing(home_page):
    def state():
        return {
            "pages": Page.objects.count(),
            "live pages": Page.objects.live().count(),
            "revisions": Revision.objects.count(),
            "users": get_user_model().objects.count(),
            "images": get_image_model().objects.count(),
            "categories": Category.objects.count(),
            "key figures": KeyFigure.objects.count(),
            "opening hours": OpeningHours.objects.count(),
            "closures": OpeningHoursException.objects.count(),
        }

    load_demo()
    after_first = state()
    output = load_demo()

    assert state() == after_first
    # root, home; columns, news, report, its chronicle (the proposed entries stay drafts)
    assert after_first["live pages"] == 2 + 3 + 5 + 1 + 13
    assert "Done: 0 created" in output


def test_generated_admin_password_is_printed_once_and_works(db):
    first = load_demo()

    password = PASSWORD_LINE.search(first).group(1)
    assert "username: admin" in first
    assert can_log_in("admin", password)
    assert get_user_model().objects.get(username="admin").is_superuser
    second = load_demo()
    assert password not in second and not PASSWORD_LINE.search(second)
    assert can_log_in("admin", password)


def test_admin_username_and_password_come_from_the_environment(db, monkeypatch):
    monkeypatch.setenv("DEMO_ADMIN_USERNAME", "librarian")
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "qian-xian-demo-2020")

    output = load_demo()

    assert can_log_in("librarian", "qian-xian-demo-2020")
    assert "qian-xian-demo-2020" not in output and not PASSWORD_LINE.search(output)
    assert not get_user_model().objects.filter(username="admin").exists()


def test_an_existing_admin_keeps_its_password(db, monkeypatch):
    UserFactory(username="admin")  # password "correct horse battery"
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "a-new-password-2020")

    output = load_demo()

    assert can_log_in("admin", "correct horse battery")
    assert not can_log_in("admin", "a-new-password-2020")
    assert not PASSWORD_LINE.search(output)


def test_editor_and_reviewer_are_created_only_when_their_passwords_are_given(db, monkeypatch):
    output = load_demo()
    assert not get_user_model().objects.filter(username__in=["editor", "reviewer"]).exists()
    assert "DEMO_EDITOR_PASSWORD" in output and "DEMO_REVIEWER_PASSWORD" in output

    monkeypatch.setenv("DEMO_EDITOR_PASSWORD", "editor-demo-2020")
    monkeypatch.setenv("DEMO_REVIEWER_PASSWORD", "reviewer-demo-2020")
    load_demo()

    editor = get_user_model().objects.get(username="editor")
    reviewer = get_user_model().objects.get(username="reviewer")
    assert list(editor.groups.values_list("name", flat=True)) == ["编辑"]
    assert list(reviewer.groups.values_list("name", flat=True)) == ["审核人"]
    client = Client()
    assert client.login(username="editor", password="editor-demo-2020")
    assert client.get("/admin/").status_code == 200
    assert can_log_in("reviewer", "reviewer-demo-2020")
