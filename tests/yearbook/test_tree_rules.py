"""The page tree stays sane: each page type only where it belongs."""

import pytest
from django.core.exceptions import ValidationError
from wagtail.models import Page

from home.models import HomePage
from news.models import NewsIndexPage, NewsPage
from tests.cms.test_editorial_workflow import admin_form_data
from tests.factories import AnnualReportPageFactory, ChronicleEntryPageFactory, NewsPageFactory
from yearbook.models import AnnualReportPage, ChronicleEntryPage, YearbookIndexPage


def test_news_item_cannot_be_created_under_the_home_page(home_page, reviewer_client):
    assert not NewsPage.can_create_at(home_page)
    response = reviewer_client.get(f"/admin/pages/add/news/newspage/{home_page.pk}/")
    assert response.status_code in (302, 403)
    assert not NewsPage.objects.exists()


def test_news_item_belongs_in_a_column(news_index):
    assert NewsPage.can_create_at(news_index)
    assert {m.__name__ for m in news_index.specific_class.creatable_subpage_models()} == {"NewsPage"}


def test_chronicle_entry_only_under_an_annual_report(home_page, news_index, yearbook):
    report = AnnualReportPageFactory(parent=yearbook, year=2020)
    assert ChronicleEntryPage.can_create_at(report)
    for parent in (home_page, news_index, yearbook):
        assert not ChronicleEntryPage.can_create_at(parent)


def test_home_page_only_at_the_tree_root(home_page, news_index):
    root = Page.get_first_root_node()
    assert HomePage.can_create_at(root)
    assert not HomePage.can_create_at(news_index)
    assert not NewsIndexPage.can_create_at(root)
    assert not YearbookIndexPage.can_create_at(news_index)


def test_one_annual_report_per_year_per_yearbook(yearbook, home_page):
    AnnualReportPageFactory(parent=yearbook, year=2020)
    with pytest.raises(ValidationError) as error:
        AnnualReportPageFactory(parent=yearbook, year=2020, title="2020年工作总结(重复)")
    assert "year" in error.value.message_dict
    # Another yearbook (e.g. another library's site) may have its own 2020 report.
    other_yearbook = yearbook.get_parent().add_child(instance=YearbookIndexPage(title="分馆年报"))
    AnnualReportPageFactory(parent=other_yearbook, year=2020)
    assert AnnualReportPage.objects.filter(year=2020).count() == 2


def test_duplicate_year_is_a_clear_error_in_the_admin(yearbook, reviewer_client):
    AnnualReportPageFactory(parent=yearbook, year=2020)
    url = f"/admin/pages/add/yearbook/annualreportpage/{yearbook.pk}/"
    data = admin_form_data(
        reviewer_client, url, AnnualReportPage, title="2020年工作年报", year="2020", date="2021-01-10"
    )
    data["action-publish"] = "1"
    response = reviewer_client.post(url, data)
    assert response.status_code == 200
    assert "2020" in response.context["form"].errors["year"][0]
    assert AnnualReportPage.objects.count() == 1


def test_report_slug_is_its_year_and_entry_slug_its_number(yearbook):
    report = AnnualReportPageFactory(parent=yearbook, year=2020)
    entry = ChronicleEntryPageFactory(parent=report, sequence_number=12)
    assert report.slug == "2020"
    assert entry.slug == "entry-12"


def test_news_items_have_no_children(news_index):
    page = NewsPageFactory(parent=news_index)
    assert list(page.specific_class.creatable_subpage_models()) == []


def test_drafts_saved_in_code_get_the_same_readable_slugs(yearbook, news_index):
    report = AnnualReportPage(title="2021年工作年报", year=2021, live=False)
    yearbook.add_child(instance=report)
    entry = ChronicleEntryPage(
        title="年初", text="<p>年初</p>", sequence_number=3, year=2021, live=False, date_precision="year"
    )
    report.add_child(instance=entry)
    news = NewsPage(title="草稿新闻", date="2021-03-01", live=False)
    news_index.add_child(instance=news)
    assert (report.slug, entry.slug, news.slug) == ("2021", "entry-3", "2021-03-01")
