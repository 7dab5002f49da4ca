"""The home page's notice banner and the library's site settings."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from wagtail.models import Site

from home.models import LibrarySettings, OpeningHours, OpeningHoursException


def at(*args):
    return timezone.make_aware(datetime.datetime(*args))


def test_notice_banner_shows_only_between_its_dates(home_page):
    home_page.notice_text = "春节期间闭馆"
    home_page.notice_starts_at = at(2021, 2, 10, 0, 0)
    home_page.notice_ends_at = at(2021, 2, 18, 0, 0)
    home_page.save_revision().publish()
    assert not home_page.notice_is_active(at(2021, 2, 9, 23, 59))
    assert home_page.notice_is_active(at(2021, 2, 12, 9, 0))
    assert not home_page.notice_is_active(at(2021, 2, 18, 0, 0))


def test_notice_that_ends_before_it_starts_is_rejected(home_page):
    home_page.notice_text = "通知"
    home_page.notice_starts_at = at(2021, 2, 18, 0, 0)
    home_page.notice_ends_at = at(2021, 2, 10, 0, 0)
    with pytest.raises(ValidationError) as error:
        home_page.full_clean()
    assert "notice_ends_at" in error.value.message_dict


def test_notice_shown_on_the_home_page(home_page, client):
    home_page.notice_text = "国庆期间开放时间调整"
    home_page.save_revision().publish()
    assert "国庆期间开放时间调整" in client.get("/").content.decode()


def test_settings_are_per_site_and_appear_in_the_footer(home_page, client):
    site = Site.objects.get(is_default_site=True)
    settings = LibrarySettings.for_site(site)
    settings.library_name = "乾县图书馆"
    settings.icp_number = "陕ICP备00000000号-1"
    settings.save()
    html = client.get("/").content.decode()
    assert "乾县图书馆" in html
    assert "陕ICP备00000000号-1" in html


def test_opening_hours_must_close_after_they_open(home_page):
    settings = LibrarySettings.for_site(Site.objects.get(is_default_site=True))
    hours = OpeningHours(settings=settings, weekday=1, opens=datetime.time(17, 30), closes=datetime.time(9, 0))
    with pytest.raises(ValidationError):
        hours.full_clean()
    OpeningHours(settings=settings, weekday=0, closed=True).full_clean()


def test_holiday_exception_dates_must_be_in_order(home_page):
    settings = LibrarySettings.for_site(Site.objects.get(is_default_site=True))
    closure = OpeningHoursException(
        settings=settings, start_date=datetime.date(2021, 2, 17), end_date=datetime.date(2021, 2, 11), reason="春节"
    )
    with pytest.raises(ValidationError) as error:
        closure.full_clean()
    assert "end_date" in error.value.message_dict


def test_reviewer_edits_opening_hours_in_the_admin(reviewer_client, home_page):
    from wagtail.test.utils.form_data import querydict_from_html

    site = Site.objects.get(is_default_site=True)
    url = f"/admin/settings/home/librarysettings/{site.pk}/"
    data = querydict_from_html(reviewer_client.get(url).content.decode(), form_id="w-editor-form")
    data.update(
        {
            "library_name": "乾县图书馆",
            "opening_hours-TOTAL_FORMS": "1",
            "opening_hours-0-weekday": "1",
            "opening_hours-0-opens": "09:00",
            "opening_hours-0-closes": "17:30",
            "opening_hours-0-ORDER": "1",
        }
    )
    response = reviewer_client.post(url, data)
    assert response.status_code == 302
    saved = LibrarySettings.for_site(site)
    assert saved.library_name == "乾县图书馆"
    assert [(h.weekday, h.opens, h.closes) for h in saved.opening_hours.all()] == [
        (1, datetime.time(9, 0), datetime.time(17, 30))
    ]
