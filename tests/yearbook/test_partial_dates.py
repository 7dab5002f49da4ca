"""Chronicle entries (大事记) with partial dates: 年初, a month, a whole year."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError

from tests.cms.test_editorial_workflow import admin_form_data
from tests.factories import AnnualReportPageFactory, ChronicleEntryPageFactory
from yearbook.models import ChronicleEntryPage


@pytest.fixture
def report(yearbook):
    return AnnualReportPageFactory(parent=yearbook, year=2020)


def test_early_in_the_year_sorts_before_a_dated_entry(report):
    dated = ChronicleEntryPageFactory(parent=report, sequence_number=1, year=2020, month=4, day=23)
    early = ChronicleEntryPageFactory(
        parent=report,
        sequence_number=2,
        date_precision="season",
        year=2020,
        month=None,
        day=None,
        year_part="early",
        date_text="年初",
    )
    assert list(report.chronicle_entries()) == [early, dated]
    assert early.sort_date == datetime.date(2020, 1, 1)
    assert early.date_text == "年初"


def test_end_of_year_and_month_entries_sort_by_their_meaning(report):
    end = ChronicleEntryPageFactory(
        parent=report, sequence_number=1, date_precision="season", month=None, day=None, year_part="end"
    )
    december = ChronicleEntryPageFactory(parent=report, sequence_number=2, date_precision="month", month=12, day=None)
    may = ChronicleEntryPageFactory(parent=report, sequence_number=3, date_precision="month", month=5, day=None)
    assert list(report.chronicle_entries()) == [may, december, end]


def test_impossible_date_is_rejected(report):
    with pytest.raises(ValidationError) as error:
        ChronicleEntryPageFactory(parent=report, sequence_number=1, month=2, day=30)
    assert "day" in error.value.message_dict


def test_missing_parts_are_named(report):
    with pytest.raises(ValidationError) as error:
        ChronicleEntryPageFactory(parent=report, sequence_number=1, date_precision="season", month=None, day=None)
    assert "year_part" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        ChronicleEntryPageFactory(parent=report, sequence_number=2, date_precision="day", month=4, day=None)
    assert "day" in error.value.message_dict


def test_duplicate_sequence_number_is_rejected(report):
    ChronicleEntryPageFactory(parent=report, sequence_number=12)
    with pytest.raises(ValidationError) as error:
        ChronicleEntryPageFactory(parent=report, sequence_number=12)
    assert "sequence_number" in error.value.message_dict


def entry_form(client, report, **fields):
    url = f"/admin/pages/add/yearbook/chronicleentrypage/{report.pk}/"
    data = admin_form_data(client, url, ChronicleEntryPage, title="大事记", slug="", **fields)
    data["text"] = (
        '{"blocks":[{"key":"a","type":"unstyled","depth":0,"text":"开通馆际互借服务","inlineStyleRanges":[],"entityRanges":[]}],"entityMap":{}}'
    )
    data["action-publish"] = "1"
    return url, data


def test_impossible_date_is_a_clear_error_in_the_admin_form(report, reviewer_client):
    url, data = entry_form(
        reviewer_client, report, sequence_number="13", date_precision="day", year="2020", month="2", day="30"
    )
    response = reviewer_client.post(url, data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "day" in errors
    # The message names the real length of the month, in Chinese.
    assert "29" in errors["day"][0]
    assert re.search(r"[\u4e00-\u9fff]", errors["day"][0])
    assert not ChronicleEntryPage.objects.exists()


def test_partial_date_entry_publishes_from_the_admin(report, reviewer_client):
    url, data = entry_form(
        reviewer_client,
        report,
        sequence_number="1",
        date_precision="season",
        year="2020",
        month="",
        day="",
        year_part="early",
        date_text="年初",
    )
    response = reviewer_client.post(url, data)
    assert response.status_code == 302
    entry = ChronicleEntryPage.objects.get()
    assert entry.live
    assert (entry.sort_date, entry.date_text, entry.slug) == (datetime.date(2020, 1, 1), "年初", "entry-1")


def test_new_entry_form_starts_in_the_reports_year_with_the_next_number(report, reviewer_client):
    ChronicleEntryPageFactory(parent=report, sequence_number=12)
    response = reviewer_client.get(f"/admin/pages/add/yearbook/chronicleentrypage/{report.pk}/")
    form = response.context["form"]
    assert form.initial["year"] == 2020
    assert form.initial["sequence_number"] == 13


@pytest.mark.parametrize(
    "month, day, field",
    [("13", "32", "month"), ("0", "10", "month"), ("4", "0", "day"), ("4", "31", "day")],
)
def test_out_of_range_date_parts_are_form_errors_not_crashes(report, reviewer_client, month, day, field):
    url, data = entry_form(
        reviewer_client, report, sequence_number="5", date_precision="day", year="2020", month=month, day=day
    )
    response = reviewer_client.post(url, data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    assert len(errors[field]) == 1  # one clear message, not two that contradict each other
